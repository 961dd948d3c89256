"""日本語: English (en.py) と同じキー、同じ置き換え文字列 ({name}) を持つこと。"""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "まだあなたについて何も覚えていません。使っている技術や学びたいことを教えてください。"
        "覚えておきます。"
    ),
}
