"""extractor: grounded records of incidents, actors and attributions from news articles.

The library entry points are `extractor.pipeline.extract_article` (one article, an injected
LLM client) and `extractor.llm.build_client` (a client from resolved settings).
"""

__version__ = "0.1.0"
