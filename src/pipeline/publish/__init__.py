"""A publish: the plan against what is live, locks, the run and its receipt; one module per target under targets/."""
