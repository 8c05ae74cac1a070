-- When an organiser assigns an adviser to a firm's support request (issue 14), the firm and the adviser are
-- told by e-mail through the outbox (kind 'support.assigned'): who will help whom, and how many hours. The
-- list repeats every kind added so far (0007, 0011, 0014, 0016, 0017, 0020's 'invitation').
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('schedule.published', 'schedule.changed', 'registration.cancelled')
           OR kind IN ('reminder.signup', 'reminder.agenda', 'reminder.meeting')
           OR kind IN ('reminder.feedback', 'reminder.feedback_reminder')
           OR kind IN ('need.stage')
           OR kind IN ('reminder.follow_up', 'reminder.follow_up_reminder')
           OR kind IN ('invitation')
           OR kind IN ('support.assigned'));
