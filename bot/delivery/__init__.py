"""Getting messages out: the outbox sender, broadcasts at run time, what follows an enrolment."""
