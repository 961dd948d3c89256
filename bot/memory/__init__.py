"""What the bot remembers about a person: the `UserTechInterest` schema with provenance and
visibility, the service that reads, corrects and erases memories, learning through LangMem,
each person's settings, erasure of a person or an installation, which installation the bot
is (the memory scope) and adoption of data kept under older scopes, and embeddings."""
