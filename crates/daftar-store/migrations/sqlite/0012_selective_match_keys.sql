-- The stored blocking keys gained three-field keys (given name with birth day; given with
-- father's or family name and the year of a year-only date; given, father's and family name:
-- daftar_match::dedupe::match_key_hashes), so that the enrolment-time check still finds a
-- person when every two-field block of their common names is too large to read. The index is
-- derived data: emptied here and rebuilt from persons after migrating.
DELETE FROM person_match_blocks;
DELETE FROM person_match;
INSERT OR IGNORE INTO store_backfills (name) VALUES ('match_index');
