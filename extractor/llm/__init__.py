"""Stage 3, call: the LLM client over any OpenAI-compatible server (`client`), transport retries
(`transport`), a run's shared request and token budgets (`throttle`), the embedded llama.cpp model
(`embedded`, stopped when it repeats itself by `repetition`), and recorded fixtures (`recording`)."""
