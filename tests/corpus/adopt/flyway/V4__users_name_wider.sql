-- SQLite cannot change a column's type: rebuild the table by hand. A
-- view and a trigger read users, so SQLite must not check them while the
-- table is missing (legacy_alter_table).
PRAGMA foreign_keys = off;
PRAGMA legacy_alter_table = on;
BEGIN TRANSACTION;
CREATE TABLE new_users (
  id integer PRIMARY KEY,
  name varchar(200) NOT NULL,
  email varchar(100),
  joined text
);
INSERT INTO new_users (id, name, email) SELECT id, name, email FROM users;
DROP TABLE users;
ALTER TABLE new_users RENAME TO users;
COMMIT;
PRAGMA legacy_alter_table = off;
PRAGMA foreign_keys = on;
