PRAGMA foreign_keys = off;
CREATE TABLE new_customers (id integer PRIMARY KEY, name text NOT NULL, country text NOT NULL DEFAULT 'unknown');
INSERT INTO new_customers (id, name) SELECT id, name FROM customers;
DROP TABLE customers;
ALTER TABLE new_customers RENAME TO customers;
PRAGMA foreign_keys = on;
