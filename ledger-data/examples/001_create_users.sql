-- The seed scenario's first change: a users table.
CREATE TABLE users (
  id integer PRIMARY KEY,
  name varchar(50),
  email varchar(100)
);
