-- The employer a case names (issue 15.5): given when a case of a service that takes one (a work
-- permit) is opened, and named by the credential the case grants (claim `employer`). Both are
-- NULL for a case without an employer; the identifier is '' when none was given.
ALTER TABLE cases ADD COLUMN employer_name TEXT;
ALTER TABLE cases ADD COLUMN employer_identifier TEXT;
