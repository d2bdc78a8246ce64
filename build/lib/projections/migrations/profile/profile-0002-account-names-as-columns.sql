-- The names people know a contract by become columns of its row: the first
-- change of columns, which the releases before migrations could not make
-- (IF NOT EXISTS adds whole tables only, hence read_account_names).
-- Older processes write the table this drops: stop them before upgrading.

ALTER TABLE read_accounts ADD COLUMN agency_name TEXT NOT NULL DEFAULT '';

ALTER TABLE read_accounts ADD COLUMN property TEXT NOT NULL DEFAULT '';

UPDATE read_accounts SET
    agency_name = (SELECT n.agency_name FROM read_account_names n WHERE n.account_id = read_accounts.account_id),
    property = (SELECT n.property FROM read_account_names n WHERE n.account_id = read_accounts.account_id)
WHERE account_id IN (SELECT account_id FROM read_account_names);

DROP TABLE read_account_names;
