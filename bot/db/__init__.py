"""PostgreSQL: the embedded server for laptops and tests, the connection pool, the LangGraph
store and the bot's schema, binary vectors, and the answer log (ids and numbers, never text)."""
