from bot.text import clip


def test_a_clipped_text_fits_the_limit_and_shows_it_was_cut():
    assert clip("kubernetes", 5) == "kube…"
    assert len(clip("x" * 100, 60)) == 60
    assert clip("short", 60) == "short"
    assert clip("a long message", 10, " [cut]") == "a lo [cut]"
