-- The public directory's address of an office (issue 18, part 7): set by the office's manager
-- or the authority (`licence.apply`), shown on /directory; the licence application's premises
-- stay unpublished. NULL until set.
ALTER TABLE offices ADD COLUMN public_address TEXT;
