-- Names, titles and texts stored before the API cleaned them (shared/text.py): the same cleaning, once, for
-- the rows already here, so that no old name can turn an agenda line or a table sheet around either.
-- Single-line fields: line breaks and tabs become spaces, other control characters (C0, DEL, C1) and the
-- bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) go, surrounding spaces
-- go. Multi-line fields keep \n and \t. A name left empty becomes "–" (the columns require one character).

CREATE FUNCTION clean_line(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT regexp_replace(
        regexp_replace(value, '[\u0009\u000a\u000b\u000c\u000d\u001c\u001d\u001e\u0085\u2028\u2029]', ' ', 'g'),
        '[\u0001-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', '', 'g')
$$;

CREATE FUNCTION clean_text(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT regexp_replace(
        regexp_replace(regexp_replace(value, '\r\n', E'\n', 'g'),
                       '[\u000b\u000c\u000d\u001c\u001d\u001e\u0085\u2028\u2029]', E'\n', 'g'),
        '[\u0001-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]', '', 'g')
$$;

CREATE FUNCTION clean_name(value text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(nullif(btrim(clean_line(value)), ''), '–')
$$;

-- The keys of each object of a jsonb array that hold single-line text.
CREATE FUNCTION clean_json_lines(items jsonb, keys text[]) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT coalesce(jsonb_agg(
        (SELECT item || coalesce(jsonb_object_agg(key, clean_line(item ->> key)), '{}')
           FROM unnest(keys) AS key WHERE jsonb_typeof(item -> key) = 'string')
        ORDER BY position), '[]')
      FROM jsonb_array_elements(items) WITH ORDINALITY AS element(item, position)
$$;

UPDATE organisations SET name = clean_name(name) WHERE name IS DISTINCT FROM clean_name(name);
UPDATE organisations SET description = btrim(clean_text(description))
 WHERE description IS DISTINCT FROM btrim(clean_text(description));
UPDATE organisations SET keywords = ARRAY(SELECT lower(clean_name(k)) FROM unnest(keywords) AS k)
 WHERE keywords::text ~ '[\u0001-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]';
UPDATE organisations SET certificates = ARRAY(SELECT clean_name(c) FROM unnest(certificates) AS c)
 WHERE certificates::text ~ '[\u0001-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]';

UPDATE contacts SET name = clean_name(name), title = btrim(clean_line(title))
 WHERE name IS DISTINCT FROM clean_name(name) OR title IS DISTINCT FROM btrim(clean_line(title));

UPDATE needs SET title = clean_name(title) WHERE title IS DISTINCT FROM clean_name(title);
UPDATE needs SET description = clean_text(description) WHERE description IS DISTINCT FROM clean_text(description);
UPDATE needs SET lots = clean_json_lines(lots, ARRAY['id', 'title']) WHERE jsonb_array_length(lots) > 0;
UPDATE needs SET contact = contact || jsonb_build_object('name', clean_name(contact ->> 'name'))
 WHERE jsonb_typeof(contact -> 'name') = 'string';

UPDATE events SET name = clean_name(name), venue = btrim(clean_line(venue)), description = btrim(clean_text(description))
 WHERE name IS DISTINCT FROM clean_name(name) OR venue IS DISTINCT FROM btrim(clean_line(venue))
    OR description IS DISTINCT FROM btrim(clean_text(description));
UPDATE events SET breaks = clean_json_lines(breaks, ARRAY['label']) WHERE jsonb_array_length(breaks) > 0;

UPDATE registrations SET representatives = clean_json_lines(representatives, ARRAY['name', 'title']),
                         note = btrim(clean_text(note))
 WHERE jsonb_array_length(representatives) > 0 OR note IS DISTINCT FROM btrim(clean_text(note));
