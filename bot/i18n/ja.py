"""日本語: English (en.py) と同じキー、同じ置き換え文字列 ({name}) を持つこと。"""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "まだあなたについて何も覚えていません。使っている技術や学びたいことを教えてください。"
        "覚えておきます。"
    ),
    "forget_words.forgot_one": "「{words}」についての記憶を 1 件忘れました:",
    "forget_words.forgot_many": "「{words}」についての記憶を {count} 件忘れました:",
    "forget_words.nothing": "「{words}」について覚えていることはないので、何も削除していません。",
    "forget_words.nothing_named": (
        "何も削除していません。トピックやカテゴリーが「{words}」の記憶はありません。"
    ),
    "forget_words.offer": (
        "「{words}」はこちらの記憶のことかもしれません。忘れるものがあれば選んでください"
        "（あなただけに表示されています）。"
    ),
    "forget_words.button": "「{topic}」を忘れる",
}
