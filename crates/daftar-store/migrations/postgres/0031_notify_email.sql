-- E-mail for notices (issue 19.3): the address a person gives for notices, used instead of an
-- SMS to their phone (NULL: SMS). Personal data, shown only in the single-person read.
ALTER TABLE persons ADD COLUMN notify_email TEXT;
