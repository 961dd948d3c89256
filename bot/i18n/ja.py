"""日本語: English (en.py) と同じキー、同じ置き換え文字列 ({name}) を持つこと。"""

MESSAGES: dict[str, str] = {
    "interests.empty": (
        "まだあなたについて何も覚えていません。使っている技術や学びたいことを教えてください。"
        "覚えておきます。"
    ),
    # --- テックダイジェスト (bot/slack/digest_views.py) ---
    "digest.header.daily": "今日のテックダイジェスト",
    "digest.header.weekly": "今週のテックダイジェスト",
    "digest.about": "{topics} について、あなたから聞いたことをもとにお届けします。"
    "届くのはあなただけです。",
    "digest.fallback": "テックダイジェスト: {topics}",
    "digest.list_separator": "、",
    "digest.source": "出典: {links}",
    "digest.less": "これは減らす",
    "digest.stop": "ダイジェストを止める",
    "digest.cut_off": ":warning: このダイジェストは途中で切れています。",
    "digest.ai_note": "Web 検索をもとに AI が書いています。大事な点は出典で確かめてください。",
    "digest.why": "ご自身で申し込まれたので届いています。*これは減らす* でその関心を下げ、"
    "*ダイジェストを止める* か `/interests digest off` で止められます。",
    "digest.write_in": "Japanese",
    "digest.on.daily": "設定しました。毎日、あなたの時間 ({tz}) で 9:00 を過ぎたら、{topics} "
    "についての新しい話題をいくつか、出典リンク付きで DM します。",
    "digest.on.weekly": "設定しました。毎週月曜日、あなたの時間 ({tz}) で 9:00 を過ぎたら、"
    "{topics} についての新しい話題をいくつか、出典リンク付きで DM します。",
    "digest.topics_unknown": "あなたが関心を持っている技術",
    "digest.first_soon": "最初の 1 通は 1 時間以内に届きます。",
    "digest.next.daily": "今日の分はもう届いているので、次は明日です。",
    "digest.next.weekly": "今週の分はもう届いているので、次は来週の月曜日です。",
    "digest.warn.nothing": "まだあなたの関心を知りません。使っている技術や学びたいことを"
    "教えてください。それまでは、空のダイジェストの代わりに短いお知らせを 1 回だけ送ります。",
    "digest.warn.learning_off": "学習がオフなので、あなたの関心を追えていません。ホームタブで学習を"
    "オンにするまでは、ダイジェストの代わりに短いお知らせを 1 回だけ送ります。",
    "digest.stop_hint": "`/interests digest off` で止められます。",
    "digest.off": "ダイジェストを止めました。`/interests digest daily` か "
    "`/interests digest weekly` でまた始められます。",
    "digest.usage": "*/interests digest* — あなたが関心を持つ技術の新しい話題を DM で\n"
    "• `/interests digest daily` — 毎日、あなたの時間で 9:00 を過ぎたら\n"
    "• `/interests digest weekly` — 毎週月曜日、あなたの時間で 9:00 を過ぎたら\n"
    "• `/interests digest off` — ダイジェストを止める",
    "digest.unavailable": "ダイジェストには Web 検索が必要ですが、このボットでは Web 検索がオフに"
    "なっています。",
    "digest.note.nothing": "テックダイジェストはオンですが、まだあなたの関心を知らないので、"
    "お送りできるものがありません。使っている技術や学びたいことを教えていただければ、次のダイジェストは"
    "その話題になります。空のダイジェストは送りませんし、このお知らせも二度は送りません。",
    "digest.note.learning_off": "テックダイジェストはオンですが、学習がオフなので、あなたの関心を"
    "追えず、ダイジェストをお送りできません。受け取るにはホームタブで *自分のメッセージから学ぶ* を"
    "オンにしてください。止めるには `/interests digest off` を使ってください。"
    "このお知らせは二度は送りません。",
    "digest.less.done": "わかりました。これからは *{topic}* を減らします (関心度 {before} → "
    "{after} / 100)。",
    "digest.less.out": "わかりました。*{topic}* はもうダイジェストに入れません。関心度は 0 に"
    "なりました (`/interests` の *編集* でまた上げられます)。",
    "digest.less.gone": "その関心はもう覚えていないので、何も変えていません。",
    "digest.home.title": "*テックダイジェスト*: あなたが関心を持つ技術の新しい話題を DM で",
    "digest.home.off": "オフ",
    "digest.home.daily": "毎日",
    "digest.home.weekly": "毎週",
    "digest.home.status.off": "ダイジェストは届きません。毎日か毎週を選ぶと、あなたの主な関心に"
    "ついての話題がいくつか、出典リンク付きで届きます。",
    "digest.home.status.daily": "毎日、あなたの時間で 9:00 を過ぎたら、主な関心についての話題が"
    "いくつか、出典リンク付きで DM で届きます。",
    "digest.home.status.weekly": "毎週月曜日、あなたの時間で 9:00 を過ぎたら、主な関心についての"
    "話題がいくつか、出典リンク付きで DM で届きます。",
}
