"""Files attached to a message: what the model gets, what people are told, where the token goes."""

from __future__ import annotations

import base64
import logging
import struct
import zlib

import pytest
from openai import OpenAI
from slack_sdk import WebClient

from bot.slack.attachments import MAX_FILE_BYTES, MAX_FILES, read_attachments
from tests.fakes import FakeSlack

TOKEN = "xoxb-test-token"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    """A real 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def data_url(mime: str, content: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


@pytest.fixture
def foreign():
    """Another host on loopback, standing for anything that isn't Slack."""
    with FakeSlack(bot_token=TOKEN) as server:
        yield server


def read(fake_slack, files, **kwargs):
    return read_attachments(files, token=TOKEN, slack_api_url=fake_slack.base_url, **kwargs)


def test_an_image_and_a_pdf_become_input_parts_with_their_bytes(fake_slack):
    png = png_bytes()
    files = [
        fake_slack.host_file("diagram.png", png, "image/png"),
        fake_slack.host_file("paper.pdf", PDF, "application/pdf"),
    ]

    result = read(fake_slack, files)

    assert result.parts == [
        {"type": "input_image", "image_url": data_url("image/png", png)},
        {
            "type": "input_file",
            "filename": "paper.pdf",
            "file_data": data_url("application/pdf", PDF),
        },
    ]
    assert result.notes() == []
    downloads = [c for c in fake_slack.calls if c.method.startswith("file_download:")]
    assert [c.headers["authorization"] for c in downloads] == [f"Bearer {TOKEN}"] * 2


def test_jpeg_gif_and_webp_are_read_by_their_slack_filetype_too(fake_slack):
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 16
    gif = b"GIF89a" + b"\x00" * 16
    webp = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8
    files = [
        fake_slack.host_file("photo.jpg", jpeg, "image/jpeg"),
        fake_slack.host_file("anim.gif", gif, "", filetype="gif"),
        fake_slack.host_file("shot.webp", webp, "image/webp"),
    ]

    parts = read(fake_slack, files).parts

    assert [p["image_url"] for p in parts] == [
        data_url("image/jpeg", jpeg),
        data_url("image/gif", gif),
        data_url("image/webp", webp),
    ]


def test_a_pdf_without_the_extension_still_goes_as_a_pdf(fake_slack):
    files = [fake_slack.host_file("Quarterly report", PDF, "application/pdf", filetype="pdf")]

    (part,) = read(fake_slack, files).parts

    assert part["filename"] == "Quarterly report.pdf"


def test_a_wrong_token_gets_the_sign_in_page_and_the_person_a_friendly_note(fake_slack):
    files = [fake_slack.host_file("diagram.png", png_bytes(), "image/png")]

    result = read_attachments(files, token="xoxb-revoked", slack_api_url=fake_slack.base_url)

    assert result.parts == []
    assert result.note() == (
        "I couldn't download `diagram.png` from Slack, so I answered without it."
    )


def test_other_types_are_named_in_one_sentence_saying_what_it_reads(fake_slack):
    files = [
        fake_slack.host_file("report.docx", b"PK\x03\x04", "application/msword", filetype="docx"),
        fake_slack.host_file("data.zip", b"PK\x03\x04", "application/zip"),
        fake_slack.host_file("ok.png", png_bytes(), "image/png"),
    ]

    result = read(fake_slack, files)

    assert len(result.parts) == 1
    assert result.notes() == [
        "I can read images (PNG, JPEG, GIF, WebP) and PDFs, up to 5 files of 10 MB each "
        "(20 MB in all); I skipped `report.docx` and `data.zip`."
    ]
    downloaded = {c.method for c in fake_slack.calls}
    assert f"file_download:{files[0]['id']}" not in downloaded  # never fetched what it can't read


def test_an_oversize_file_is_skipped_whether_its_size_is_declared_or_not(fake_slack):
    big = b"%PDF-" + b"0" * MAX_FILE_BYTES
    files = [
        fake_slack.host_file("declared.pdf", PDF, "application/pdf", size=MAX_FILE_BYTES + 1),
        fake_slack.host_file("understated.pdf", big, "application/pdf", size=1000),
        fake_slack.host_file("fine.pdf", PDF, "application/pdf"),
    ]

    result = read(fake_slack, files)

    assert [p["filename"] for p in result.parts] == ["fine.pdf"]
    assert result.note().endswith("I skipped `declared.pdf` and `understated.pdf`.")
    assert "10 MB each" in result.note()


def test_no_more_than_the_file_limit_is_read(fake_slack):
    files = [fake_slack.host_file(f"p{i}.png", png_bytes(), "image/png") for i in range(7)]

    result = read(fake_slack, files)

    assert len(result.parts) == MAX_FILES
    assert result.note().endswith("I skipped `p5.png` and `p6.png`.")


def test_a_foreign_host_never_receives_the_token(fake_slack, foreign):
    elsewhere = foreign.host_file("cat.png", png_bytes(), "image/png")

    result = read(fake_slack, [elsewhere])

    assert foreign.calls == []  # not even contacted
    assert result.parts == []
    assert "I couldn't download `cat.png`" in result.note()


def test_a_redirect_away_from_slack_is_not_followed(fake_slack, foreign):
    target = foreign.host_file("cat.png", png_bytes(), "image/png")["url_private_download"]
    files = [fake_slack.host_file("cat.png", png_bytes(), "image/png", redirect_to=target)]

    result = read(fake_slack, files)

    assert foreign.calls == []
    assert result.parts == [] and "couldn't download" in result.note()


def test_a_file_event_slack_sent_incomplete_is_looked_up(fake_slack):
    hosted = fake_slack.host_file("diagram.png", png_bytes(), "image/png")
    slack = WebClient(token=TOKEN, base_url=fake_slack.base_url)

    result = read(
        fake_slack,
        [{"id": hosted["id"], "file_access": "check_file_info"}],
        file_info=lambda file_id: slack.files_info(file=file_id)["file"],
    )

    assert [p["type"] for p in result.parts] == ["input_image"]


def test_malformed_file_entries_and_a_spent_budget_crash_nothing(fake_slack):
    hosted = fake_slack.host_file("diagram.png", png_bytes(), "image/png")
    malformed = [None, "x", {"mimetype": "image/png", "name": "nourl.png"}]

    assert read(fake_slack, malformed).note() == (
        "I couldn't download `nourl.png` from Slack, so I answered without it."
    )
    assert read(fake_slack, [{}]).parts == []
    incomplete = {"id": hosted["id"], "name": "lookup.png", "file_access": "check_file_info"}
    assert "`lookup.png`" in read(fake_slack, [incomplete], file_info=lambda _: None).note()
    late = read(fake_slack, [hosted], budget_s=0)
    assert late.parts == [] and "couldn't download `diagram.png`" in late.note()


def test_names_are_escaped_for_slack(fake_slack):
    files = [fake_slack.host_file("<b>&`x`.exe", b"MZ", "application/x-msdownload")]

    assert read(fake_slack, files).note().endswith("I skipped `&lt;b&gt;&amp;'x'.exe`.")


def test_file_contents_and_names_never_reach_the_logs(fake_slack, caplog):
    caplog.set_level(logging.DEBUG)
    png = png_bytes()
    files = [
        fake_slack.host_file("secret-plan.png", png, "image/png"),
        fake_slack.host_file("secret-notes.docx", b"PK", "application/msword", filetype="docx"),
    ]
    read_attachments(files, token="xoxb-wrong", slack_api_url=fake_slack.base_url)
    read(fake_slack, files)

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "attachment not read" in logged
    assert "secret" not in logged
    assert base64.b64encode(png).decode() not in logged
    assert TOKEN not in logged and "xoxb-wrong" not in logged


def test_the_parts_reach_the_model_through_the_real_openai_client(fake_slack, fake_openai):
    files = [
        fake_slack.host_file("diagram.png", png_bytes(), "image/png"),
        fake_slack.host_file("paper.pdf", PDF, "application/pdf"),
    ]
    parts = read(fake_slack, files).parts
    client = OpenAI(api_key="sk-test-key", base_url=fake_openai.base_url, max_retries=0)
    content = [{"type": "input_text", "text": "What do these show?"}, *parts]

    with client.responses.create(
        model="gpt-test-chat", input=[{"role": "user", "content": content}], stream=True
    ) as events:
        kinds = [event.type for event in events]

    assert kinds[-1] == "response.completed"
    (body,) = fake_openai.bodies("responses")
    assert body["input"] == [{"role": "user", "content": content}]
