"""Event engine: clocks, ordered per-session queues, grid sessions, paper replay."""
