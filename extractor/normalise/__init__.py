"""Stage 5, normalise: what code computes after the model (`document` applies it all): dates
resolved against publication (`dates`, `timex`), places and countries (`places`, `gazetteer`),
canonical actor names (`actors`), and records of the same incident or actor merged (`merge`)."""
