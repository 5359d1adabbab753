"""Runs through OpenAI's Batch API: submit, status and collect (`commands`), where each article
stands (`flow`), the request and result line formats (`lines`), and batch state in the run store
(`store`)."""
