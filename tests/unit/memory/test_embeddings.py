from bot.conversation.llm import openai_client
from bot.memory.embeddings import MAX_CHARS_PER_TEXT, OpenAIEmbedder


def test_one_batched_call_per_batch_and_repeats_served_from_memory(settings, fake_openai):
    embed = OpenAIEmbedder(openai_client(settings), "text-embedding-3-small", 64)
    first = embed(["rust", "kubernetes", "rust"])
    assert len(fake_openai.bodies("embeddings")) == 1
    assert fake_openai.bodies("embeddings")[0]["input"] == ["rust", "kubernetes"]
    assert first[0] == first[2] and len(first[0]) == 64
    assert embed(["kubernetes"]) == [first[1]]
    assert len(fake_openai.bodies("embeddings")) == 1


def test_empty_and_huge_texts_are_made_acceptable_to_the_api(settings, fake_openai):
    embed = OpenAIEmbedder(openai_client(settings), "text-embedding-3-small", 64)
    embed(["", "x" * 50_000])
    (body,) = fake_openai.bodies("embeddings")
    assert body["input"][0] == " "
    assert len(body["input"][1]) == MAX_CHARS_PER_TEXT
    assert body["dimensions"] == 64
