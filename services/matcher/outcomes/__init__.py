"""Procurement outcomes: firms are told when a need they met its buyer about, or follow, moves (issue 14).

The registry writes a ``need.stage`` entry to its change feed when a buyer's OCDS release moves a need
(tender advertised, awarded, contract, cancelled, unsuccessful). The matcher's feed
(:mod:`..privacy.feed`) hands each one here: :mod:`.notices` decides who is told and queues one e-mail
each through the outbox, once per (need, stage, firm); :mod:`.texts` writes it, Swedish first.
"""

from .notices import NeedMove, fetch_move, queue_stage_notices

__all__ = ["NeedMove", "fetch_move", "queue_stage_notices"]
