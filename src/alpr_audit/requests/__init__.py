"""Public-records (CPRA) requests: parse, track, compute deadlines, answer with a packet."""
