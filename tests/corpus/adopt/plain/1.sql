CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers (id), total integer NOT NULL);
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
