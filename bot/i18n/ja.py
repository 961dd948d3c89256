"""日本語: English (en.py) と同じキー、同じ置き換え文字列 ({name}) を持つこと。"""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "まだあなたについて何も覚えていません。使っている技術や学びたいことを教えてください。"
        "覚えておきます。"
    ),
    "receipt.tailored_with": "この回答に使った記憶: {topics}",
    "receipt.and_more": "ほか{count}件",
    "receipt.private_used": "あなただけに表示: ここではあなたの非公開の記憶も使いました: {topics}",
    "receipt.menu": "使った記憶を変更…",
    "receipt.forget": "忘れる",
    "receipt.not_here": "ここでは使わない",
    "receipt.forgotten": "{topic} を忘れました。今後どこでも使いません。",
    "receipt.set_aside": (
        "この会話では今後 {topic} を使いません。"
        "ほかの場所では使い続けます。`/interests` で確認できます。"
    ),
    "receipt.not_yours": "この回答に使った記憶を変更できるのは、質問した本人だけです。",
    "receipt.gone": "その記憶はすでに消えています。",
    "tasks.recalled.one": "あなたについて覚えていたこと: {count}件",
    "tasks.recalled.other": "あなたについて覚えていたこと: {count}件",
    "tasks.recalled_none": "まだ何も覚えていません",
    "tasks.searching": "ウェブを検索しています",
    "tasks.searched": "ウェブ検索: {query}",
}
