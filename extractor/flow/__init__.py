"""Stages 2 to 4, prompt -> call -> ground and check: one article's flow (`pipeline`), the prompts
(`prompts`) and the answer models (`draft`), long articles in windows (`windows`), evidence grounded
in the text (`ground`), answers that never validated salvaged (`salvage`), records assembled and
checked (`assemble`), event types checked against ACLED's codebook (`event_typing`), and the
attributions found by cue (`cues`, `names`) and asked small (`attribute`)."""
