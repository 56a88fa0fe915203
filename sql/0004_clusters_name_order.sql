-- 0004_clusters_name_order.sql: the register in the list's own order (C collation, as keyset
-- pagination compares names), so the unfiltered list by name reads an index instead of sorting.
CREATE INDEX clusters_name_c_idx ON clusters (name COLLATE "C");
