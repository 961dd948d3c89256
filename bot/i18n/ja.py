"""日本語: en.py と同じキー、同じ置き換え文字列 ({count} など) を持つこと。

丁寧語 (です・ます) で書き、Slack の mrkdwn (*太字*、`コード`)、:emoji: コード、`/コマンド` は
そのまま残します。
"""

# Keys whose Japanese is, on purpose, the same as the English (checked by the tests: any other
# value equal to English is an untranslated string).
SAME_AS_ENGLISH: frozenset[str] = frozenset()

MESSAGES: dict[str, str] = {
    # --- shared pieces ---------------------------------------------------------------------
    "list.quoted": "「{text}」",
    "list.separator": "、",
    # --- /interests ------------------------------------------------------------------------
    "interests.help": (
        "*覚えていることについて、できること*\n"
        "• `/interests` — あなたについて覚えていることをすべて表示します (あなたにだけ見えます)\n"
        "• `/interests export` — そのすべてを JSON ファイルにして DM でお送りします\n"
        "• `/forget` — あなたについて覚えていることをすべて消去します (実行前に確認します)\n"
        "• `/forget <キーワード>` — そのキーワードに関する記憶だけを消去します"
        " (例: `/forget rust`)\n"
        "• ご自分のメッセージで *その他のアクション → Forget what you learned from this* を選ぶと、"
        "そのメッセージから覚えたことを消去します\n"
        "• `/interests digest daily|weekly|off` — 関心のある技術の最新情報を DM でお届けします\n"
        "• `/interests share on|off` — 同僚が `/whoknows <トピック>` であなたを見つけられるように"
        "します (オンにしない限りオフです)\n"
        "あなたが送ってくださったメッセージから、技術への関心を覚えます。DM、プライベートチャンネル、"
        "グループ DM で覚えたことは非公開 :lock: で、あなたへの DM での回答にだけ使います"
        " (ホームタブで許可した場合を除きます)。"
    ),
    "interests.unknown": "`/interests {asked}` というコマンドはありません。",
    "interests.empty": (
        "まだあなたについて何も覚えていません。使っている技術や学びたいことを、DM やメンションで"
        "教えてください。覚えておきます。"
    ),
    "interests.header.one": (
        "あなたについて覚えていること ({count} 件) です。これはあなたにだけ表示されています。"
    ),
    "interests.header.other": (
        "あなたについて覚えていること ({count} 件) です。これはあなたにだけ表示されています。"
    ),
    "interests.more.one": "あなたについて覚えていることの続きです (全 {count} 件)。",
    "interests.more.other": "あなたについて覚えていることの続きです (全 {count} 件)。",
    "interests.show_more": "もっと見る",
    # --- /interests export -----------------------------------------------------------------
    "export.title": "あなたについて覚えていること",
    "export.comment": "あなたについて覚えていることのすべてです。",
    "export.sent.one": "{count} 件の記憶を JSON ファイルにして DM でお送りしました。",
    "export.sent.other": "{count} 件の記憶を JSON ファイルにして DM でお送りしました。",
    # --- one memory, as listed -------------------------------------------------------------
    "memory.interest": "関心度 {level}/100",
    "memory.learned_earlier": "以前の会話で覚えました",
    "memory.learned_in": "{where}で覚えました",
    "memory.where.dm": "DM",
    "memory.where.assistant": "アシスタントのスレッド",
    "memory.where.private_channel": "プライベートチャンネル",
    "memory.where.group_dm": "グループ DM",
    "memory.where.public_channel": "パブリックチャンネル",
    "memory.where.home": "ホームタブ",
    "memory.where.unknown": "以前の会話",
    "memory.private": "非公開: あなたとの DM でのみ使います",
    "memory.public": "公開",
    "memory.forget": "忘れる",
    "memory.edit": "編集",
    # --- /forget ---------------------------------------------------------------------------
    "forget.help": (
        "*/forget* — あなたについて覚えていることを消去します\n"
        "• `/forget` — すべて消去します (実行前に確認します)\n"
        "• `/forget <キーワード>` — そのキーワードに関する記憶だけを消去します"
        " (例: `/forget rust`)\n"
        "• `/interests` — 先に、覚えていることを確認できます"
    ),
    "forget.too_long": (
        "キーワードが長すぎます。`/forget kubernetes` のように、トピックを指定してください。"
    ),
    "forget.all_button": "すべて忘れる",
    "forget.dialog_title": "すべて忘れますか？",
    "forget.dialog_text": (
        "あなたについて覚えていることをすべて消去します。元に戻すことはできません。"
    ),
    "forget.everything": "すべて忘れる",
    "forget.cancel": "キャンセル",
    "forget.confirm": (
        "あなたについて覚えていることをすべて忘れてよろしいですか？元に戻すことはできません。"
    ),
    "forget.confirm_settings": "設定 (あなたのメッセージから学ぶかどうかなど) はそのまま残ります。",
    "forget.cancelled": "承知しました。何も消去していません。",
    "forget.all_nothing": (
        "消去するものはありませんでした。あなたについて何も覚えていませんでした。"
    ),
    "forget.all_done.one": (
        "完了しました。あなたについて覚えていたことをすべて忘れました ({count} 件)。"
    ),
    "forget.all_done.other": (
        "完了しました。あなたについて覚えていたことをすべて忘れました ({count} 件)。"
    ),
    "forget.settings_kept": "設定はそのまま残しています。",
    "forget.words_none": "{words}について覚えていることはないため、何も消去していません。",
    "forget.words_done.one": "{words}に関する記憶を {count} 件忘れました:",
    "forget.words_done.other": "{words}に関する記憶を {count} 件忘れました:",
    "forget.words_not_named": (
        "何も消去していません。トピックやカテゴリーが{words}の記憶はありません。"
    ),
    "forget.words_offer": (
        "{words}はこちらの記憶のことかもしれません。忘れるものがあれば選んでください"
        " (あなただけに表示されています)。"
    ),
    "forget.words_button": "「{topic}」を忘れる",
    "forget.message_none": (
        "そのメッセージからは何も覚えていなかったため、消去するものはありませんでした。"
    ),
    "forget.message_done.one": (
        "完了しました。そのメッセージから覚えた記憶を {count} 件忘れました: {topics}。"
    ),
    "forget.message_done.other": (
        "完了しました。そのメッセージから覚えた記憶を {count} 件忘れました: {topics}。"
    ),
    "forget.not_yours": (
        "消去できるのは、ご自分のメッセージから覚えたことだけです。"
        "このメッセージは別の方が書いたものです。"
    ),
    "forget.one_gone": "その記憶はすでに消去されています。",
    "forget.one_done": "{topic}を忘れました。",
    # --- the memory editor -----------------------------------------------------------------
    "editor.title_edit": "記憶を編集",
    "editor.title_add": "記憶を追加",
    "editor.save": "保存",
    "editor.cancel": "キャンセル",
    "editor.topic": "トピック",
    "editor.category": "カテゴリ (例: バックエンド、クラウド)",
    "editor.interest_level": "関心度 (0〜100)",
    "editor.description": "説明",
    "editor.privacy": "使ってよい場所",
    "editor.private_option": "非公開: ボットとの DM でのみ使う",
    "editor.added": "{topic}を追加しました。",
    "editor.saved": "{topic}を保存しました。",
    "editor.gone": "その記憶はすでに消去されているため、編集できません。",
    "editor.erased_meanwhile": "編集中にその記憶が消去されたため、変更は保存されませんでした。",
    "editor.error_topic_missing": "「Rust」や「Kubernetes」のように、トピックを入力してください。",
    "editor.error_topic_long": "トピックは {limit} 文字以内で入力してください。",
    "editor.error_category_long": "カテゴリは {limit} 文字以内で入力してください。",
    "editor.error_description_long": "説明は {limit} 文字以内で入力してください。",
    "editor.error_level": "関心度は 0 から 100 までの整数で入力してください。",
    # --- the Home tab ----------------------------------------------------------------------
    "home.header": "あなたについて覚えていること",
    "home.learning_switch": "自分のメッセージから学ぶ",
    "home.private_switch": "非公開の記憶をチャンネルでも使う",
    "home.learning_on": "学習は *オン* です: あなたが話した技術を覚えます。",
    "home.learning_off": "学習は *オフ* です: あなたのメッセージから新しく覚えることはありません。",
    "home.private_in_channels": "非公開の記憶もチャンネルで使います。",
    "home.private_in_dms": "非公開の記憶 :lock: は、あなたとの DM でのみ使います。",
    "home.add": "記憶を追加",
    "home.full": ":warning: あなたについての記憶がいっぱいです ({total} / {cap} 件)。",
    "home.evicted": "空きを作るため、最近話題に出ていないものから手放しました: {topics}。",
    "home.count.one": "記憶 {count} 件:",
    "home.count.other": "記憶 {count} 件:",
    "home.nothing_yet": "まだ何もありません。使っている技術や学びたいことを教えてください。",
    "home.expiry": "{days} 日間話題に出なかったメモは期限切れになります。",
    "home.no_expiry": "メモに有効期限はありません。",
    "home.privacy": (
        "*プライバシーについて* あなたが話した技術について、短いメモ (トピック、カテゴリ、"
        "関心の度合い、1 行の説明、話した場所) を残しています。メモはこのアプリ専用の "
        "PostgreSQL データベースに、テキストの埋め込みとともに、この組織でのあなたの Slack "
        "ユーザー ID のもとで保存されます。私を通じて他の人がメモを見ることはできません。DM、"
        "プライベートチャンネル、グループ DM で話したことは非公開 :lock: で、あなたへの DM での"
        "回答にだけ使います (上で許可した場合を除きます)。{expiry} 1 件ずつ消すには *忘れる* "
        "ボタン、すべて消すには *すべて忘れる* か `/forget` を使ってください。学習は上のスイッチで"
        "止められます。アプリがアンインストールされると、覚えていたことはすべて消去されます。"
    ),
    # --- answers ---------------------------------------------------------------------------
    "answer.thinking": "_考えています…_",
    "answer.searching": "_Web を検索しています…_",
    "answer.sources": "*出典*",
    "answer.ai_note": "AI が生成した回答です。重要な点はご確認ください。",
    "answer.cut_off": (
        ":warning: 回答はここで途切れました。続きが必要でしたら、もう一度お尋ねください。"
    ),
    "answer.good": "良い回答",
    "answer.bad": "良くない回答",
    "answer.good_label": "この回答を良いと評価する",
    "answer.bad_label": "この回答を良くないと評価する",
    "answer.empty_message": (
        "こんにちは！技術のことなら何でも聞いてください。あなたが関心を持っていることを覚えておき、"
        "`/interests` と `/forget` でいつでも確認・消去できます。"
    ),
    "answer.files_prompt": "添付したファイルを見て、重要な点を教えてください。",
    "answer.files_title": "ファイル",
    "feedback.thanks_good": "フィードバックをありがとうございます！お役に立ててうれしいです。",
    "feedback.thanks_bad": (
        "フィードバックをありがとうございます。詳しく書いてもう一度お尋ねいただければ、"
        "より良い回答を目指します。"
    ),
    # --- the assistant thread --------------------------------------------------------------
    "assistant.status_thinking": "が考えています…",
    "assistant.status_searching": "が Web を検索しています…",
    "assistant.prompts_title": (
        "技術のことなら何でも聞いてください。あなたが関心を持っていることを覚えています。"
    ),
    "assistant.prompt_remember": "私について何を覚えていますか？",
    "assistant.prompt_topics_title": "おすすめのトピックを 3 つ",
    "assistant.prompt_topics": (
        "私におすすめの技術トピックを 3 つ挙げて、それぞれ簡単に説明してください。"
    ),
    "assistant.prompt_intro_title": "何ができますか？",
    "assistant.prompt_intro": (
        "どんなことを手伝ってもらえますか？私について覚えていることをどう使うのかも教えてください。"
    ),
    "assistant.prompt_trends_title": "技術の最新動向は？",
    "assistant.prompt_trends": "最近のソフトウェアの世界で特に面白い動きを教えてください。",
    "assistant.prompt_news_title": "{topic} の最新情報は？",
    "assistant.prompt_news": "{topic} の最近の動きについて、大事なところを教えてください。",
    "assistant.prompt_pair_title": "{topic} と {other} を組み合わせると？",
    "assistant.prompt_pair": (
        "{topic} と {other} を組み合わせて使うにはどうすればよいですか？"
        "実践的な例を見せてください。"
    ),
    "assistant.prompt_next_title": "次に何を学ぶべき？",
    "assistant.prompt_next": (
        "私は {topics} に関心があります。次に何を学ぶとよいか、理由と一緒に教えてください。"
    ),
    "assistant.prompt_catch_up_title": "#{channel} の最近の話題",
    "assistant.prompt_catch_up": "<#{channel_id}> で最近どんな話がされているか教えてください。",
    "assistant.prompt_channel_topic_title": "#{channel} での {topic} の話題",
    "assistant.prompt_channel_topic": (
        "<#{channel_id}> で {topic} についてどんな話がされているか教えてください。"
    ),
    # --- attached files --------------------------------------------------------------------
    "files.skipped": (
        "読めるのは画像 (PNG、JPEG、GIF、WebP) と PDF で、1 ファイル {max_file_mb} MB まで、"
        "{max_files} ファイル (合計 {max_total_mb} MB) までです。{names} は読み込みませんでした。"
    ),
    "files.failed.one": (
        "{names} を Slack からダウンロードできなかったため、そのファイルを読まずに回答しました。"
    ),
    "files.failed.other": (
        "{names} を Slack からダウンロードできなかったため、"
        "それらのファイルを読まずに回答しました。"
    ),
    "files.and": "{first}、{last}",
    "files.more": "ほか {count} 件",
    "files.unnamed": "名前のないファイル",
    # --- when something fails --------------------------------------------------------------
    "notice.apology": (
        "申し訳ありません。回答の作成中に問題が発生しました。少し時間をおいて、もう一度お試しください。"
    ),
    "notice.memory_down": (
        "申し訳ありません。現在、記憶にアクセスできないため、何も表示・変更していません。"
        "1 分ほどしてから、もう一度お試しください。"
    ),
    "notice.waking_up": (
        "少々お待ちください。記憶を呼び起こしています (しばらく使われていなかった後は、"
        "最大 30 秒ほどかかります)。"
    ),
    "command.unknown": "`{command}` には対応していません。",
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
    # --- /whoknows と見つけてもらう設定 ----------------------------------------------------
    "whoknows.help": (
        "*あるトピックに詳しい同僚を探す*\n"
        "• `/whoknows <トピック>` — 見つけてもらうことを選び、公開チャンネルでそのトピックについて"
        "話した同僚を、関心の高い順に表示します"
        " (例: `/whoknows rust`、一覧はあなたにだけ見えます)\n"
        "• `/interests share on` — 同僚があなたを見つけられるようにします。"
        "`/interests share off` — やめます\n"
        "見つけてもらえるようにすると、ほかの人には{what}が表示されます。DM、プライベートチャンネル、"
        "グループ DM での内容は一切表示されません。"
    ),
    "whoknows.what_others_see": (
        "あなたの名前、公開チャンネルで話した技術トピック、そしてそのメッセージへのリンク"
    ),
    "whoknows.too_long": (
        "トピックが長すぎます (最大 {limit} 文字です)。`/whoknows rust` のように、"
        "1、2 語でお試しください。"
    ),
    "whoknows.nobody": (
        "{topic} について公開チャンネルで話した、見つけてもらえる設定の方はまだいません。"
        "`/interests share on` を有効にした方が表示されます。"
    ),
    "whoknows.header": (
        "公開チャンネルで {topic} について話した同僚です。関心の高い順に並べています"
        " (あなたにだけ見えます):"
    ),
    "whoknows.where_said": "話していたメッセージ",
    "whoknows.in_channel": "<#{channel}> にて",
    "whoknows.footer": (
        "見つけてもらうことを選んだ方だけが表示され、あなた自身は表示されません。"
        "ご自分も見つけてもらえるようにするには: `/interests share on`"
    ),
    "whoknows.share_on": (
        ":mag: 見つけてもらえるようになりました。`/whoknows <トピック>` を使った同僚には、"
        "{what}が表示されます。DM、プライベートチャンネル、グループ DM での発言が表示されることは"
        "ありません。`/interests share off` またはホームタブで、いつでもやめられます。"
    ),
    "whoknows.share_off": (
        "見つけてもらえる設定をやめました。`/whoknows` にあなたは表示されません。"
    ),
    "whoknows.share_status_on": (
        "現在、見つけてもらえる設定です。`/whoknows <トピック>` を使った同僚には{what}が"
        "表示されます。`/interests share off` でやめられます。"
    ),
    "whoknows.share_status_off": (
        "現在、見つけてもらえない設定です (既定)。`/interests share on` にすると、"
        "`/whoknows <トピック>` を使った同僚に{what}が表示されるようになります。"
    ),
    "whoknows.home_switch": "/whoknows で同僚に見つけてもらう",
    "whoknows.home_on": (
        "見つけてもらえる設定です。`/whoknows` を使った人には{what}が表示されます。"
    ),
    "whoknows.home_off": (
        "見つけてもらえない設定です。オンにすると、`/whoknows` を使った人に{what}が表示されます。"
    ),
    # --- Catch me up (メッセージショートカット) ---------------------------------------------
    "catchup.header": "*これまでの流れ* (あなたにだけ見えます)",
    "catchup.read_part": (
        "この会話には {total} 件のメッセージがあります。最初の 1 件と最新の {kept} 件を読みました。"
    ),
    "catchup.surroundings": (
        "このメッセージはスレッドではないため、前後のメッセージを読みました。"
    ),
    "catchup.empty": "要約できる内容がありませんでした。",
    "catchup.not_in_channel": (
        "私は <#{channel}> のメンバーではないため、読むことができません。そのチャンネルで "
        "`/invite <@{bot}>` を実行して私を招待してから、もう一度 *Catch me up* をお試しください。"
    ),
    "catchup.channel_not_found": (
        "その会話は、私が参加していないプライベートな会話か DM のため、見ることができません。"
        "私を追加 (`/invite <@{bot}>`) してから、もう一度 *Catch me up* をお試しください。"
    ),
    "catchup.missing_scope": (
        "その種類の会話のメッセージを読む権限が、まだ私にはありません。ワークスペースの管理者に、"
        "最新のマニフェストでアプリを再インストールするよう依頼してください"
        " (その権限が含まれています)。"
    ),
    "catchup.failed": (
        "申し訳ありません。いまは要約を作成できませんでした。少し時間をおいて、もう一度 "
        "*Catch me up* をお試しください。"
    ),
    # --- the receipt under an answer (bot/slack/receipts.py) and the clicks on it -----
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
    # --- thinking steps of a streamed answer (bot/slack/task_cards.py) -------------------
    "tasks.recalled.one": "あなたについて覚えていたこと: {count}件",
    "tasks.recalled.other": "あなたについて覚えていたこと: {count}件",
    "tasks.recalled_none": "まだ何も覚えていません",
    "tasks.searching": "ウェブを検索しています",
    "tasks.searched": "ウェブ検索: {query}",
}
