INSERT INTO customers (id, name) VALUES (1, 'acme'), (2, 'globex');
INSERT INTO orders (id, customer_id, total) VALUES (100, 1, 250), (101, 2, 75), (102, 1, 20);
