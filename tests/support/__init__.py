"""What the tests share, kept apart from the tests themselves: fakes (`fakes`: the queue-based fake
model), the fault-injecting fake OpenAI server (`fault_server`, with its answers in `fake_answers`
and Batch endpoints in `fake_batches`), hand-written fake answers for the example articles
(`quoted`: evidence as quotes; `cited`: evidence as sentence numbers), the oracle that answers from
gold (`oracle`), headless Chromium (`browser`), run helpers and normalisation fixtures.

Tests import these as `support.<module>` (pytest puts tests/ on the path); no test module imports
another."""
