"""English: every message the bot writes itself. The source of truth for every other language.

Keys are grouped by the feature that writes them (`interests.`, `forget.`, `home.`, …). A key
ending in `.one`/`.other` is a plural pair (`Translator.plural`); `{name}` is filled in by the
code, and stays as it is in every translation. Text is Slack mrkdwn: keep `*bold*`, `_italic_`,
`` `code` ``, `:emoji:` codes and `/commands` as they are.
"""

MESSAGES: dict[str, str] = {
    # --- shared pieces ---------------------------------------------------------------------
    "list.quoted": "“{text}”",
    "list.separator": ", ",
    # --- /interests ------------------------------------------------------------------------
    "interests.help": (
        "*What I can do with what I remember about you*\n"
        "• `/interests` — list everything I remember about you (only you can see it)\n"
        "• `/interests export` — send you all of it as a JSON file in a DM\n"
        "• `/forget` — erase everything I remember about you (asks first)\n"
        "• `/forget <words>` — erase only memories about those words, e.g. `/forget rust`\n"
        "• On any of your messages: *More actions → Forget what you learned from this*\n"
        "• `/interests digest daily|weekly|off` — a DM with what's new in the tech you care about\n"
        "• `/interests share on|off` — let colleagues find you with `/whoknows <topic>` "
        "(off unless you turn it on)\n"
        "I learn what you care about in tech from the messages you send me. What I learn in DMs, "
        "private channels and group DMs is private :lock: and only used when I answer you in a "
        "DM, unless you allow it in the Home tab."
    ),
    "interests.unknown": "I don't know `/interests {asked}`.",
    "interests.empty": (
        "I don't remember anything about you yet. Tell me what you work with or want to "
        "learn — in a DM or by mentioning me — and I'll keep it in mind."
    ),
    "interests.header.one": (
        "Here's what I remember about you ({count} thing). Only you can see this."
    ),
    "interests.header.other": (
        "Here's what I remember about you ({count} things). Only you can see this."
    ),
    "interests.more.one": "More of what I remember about you ({count} thing in all).",
    "interests.more.other": "More of what I remember about you ({count} things in all).",
    "interests.show_more": "Show more",
    # --- /interests export -----------------------------------------------------------------
    "export.title": "What I remember about you",
    "export.comment": "Here is everything I remember about you.",
    "export.sent.one": "I sent you a DM with {count} memory as a JSON file.",
    "export.sent.other": "I sent you a DM with {count} memories as a JSON file.",
    # --- one memory, as listed -------------------------------------------------------------
    "memory.interest": "interest {level}/100",
    "memory.learned_earlier": "Learned in an earlier conversation",
    "memory.learned_in": "Learned in {where}",
    "memory.where.dm": "a DM",
    "memory.where.assistant": "an assistant thread",
    "memory.where.private_channel": "a private channel",
    "memory.where.group_dm": "a group DM",
    "memory.where.public_channel": "a public channel",
    "memory.where.home": "the Home tab",
    "memory.where.unknown": "an earlier conversation",
    "memory.private": "private: used only in your DMs with me",
    "memory.public": "public",
    "memory.forget": "Forget",
    "memory.edit": "Edit",
    # --- /forget ---------------------------------------------------------------------------
    "forget.help": (
        "*/forget* — erase what I remember about you\n"
        "• `/forget` — erase everything (I'll ask you to confirm)\n"
        "• `/forget <words>` — erase only memories about those words, e.g. `/forget rust`\n"
        "• `/interests` — see what I remember first"
    ),
    "forget.too_long": "That's a lot of words. Try a topic, like `/forget kubernetes`.",
    "forget.all_button": "Forget all",
    "forget.dialog_title": "Forget everything?",
    "forget.dialog_text": "I'll erase everything I remember about you. This can't be undone.",
    "forget.everything": "Forget everything",
    "forget.cancel": "Cancel",
    "forget.confirm": "Forget everything I remember about you? This can't be undone.",
    "forget.confirm_settings": "Your settings (like whether I learn from you) stay as set.",
    "forget.cancelled": "Okay, I didn't forget anything.",
    "forget.all_nothing": "There was nothing to forget: I didn't remember anything about you.",
    "forget.all_done.one": "Done. I forgot everything I remembered about you ({count} memory).",
    "forget.all_done.other": (
        "Done. I forgot everything I remembered about you ({count} memories)."
    ),
    "forget.settings_kept": "Your settings stay as you set them.",
    "forget.words_none": "I don't remember anything about {words}, so nothing was deleted.",
    "forget.words_done.one": "I forgot {count} memory about {words}:",
    "forget.words_done.other": "I forgot {count} memories about {words}:",
    "forget.words_not_named": (
        "Nothing was deleted: none of my memories is about {words} by its topic or category."
    ),
    "forget.words_offer": (
        "These may be what you meant by {words} too. Forget any of them? Only you can see this."
    ),
    "forget.words_button": "Forget {topic}",
    "forget.message_none": (
        "I didn't learn anything from that message, so there was nothing to forget."
    ),
    "forget.message_done.one": (
        "Done. I forgot {count} memory I learned from that message: {topics}."
    ),
    "forget.message_done.other": (
        "Done. I forgot {count} memories I learned from that message: {topics}."
    ),
    "forget.not_yours": (
        "I can only forget what I learned from your own messages. That one was written by "
        "someone else."
    ),
    "forget.one_gone": "That memory was already gone.",
    "forget.one_done": "Forgot {topic}.",
    # --- the memory editor -----------------------------------------------------------------
    "editor.title_edit": "Edit memory",
    "editor.title_add": "Add a memory",
    "editor.save": "Save",
    "editor.cancel": "Cancel",
    "editor.topic": "Topic",
    "editor.category": "Category (e.g. backend, cloud)",
    "editor.interest_level": "Interest level (0–100)",
    "editor.description": "Description",
    "editor.privacy": "Where I may use it",
    "editor.private_option": "Private: use only in my DMs with the bot",
    "editor.added": "Added {topic}.",
    "editor.saved": "Saved {topic}.",
    "editor.gone": "That memory is gone, so there's nothing to edit.",
    "editor.erased_meanwhile": (
        "That memory was erased meanwhile, so your changes were not saved."
    ),
    "editor.error_topic_missing": "Give the memory a topic, like “Rust” or “Kubernetes”.",
    "editor.error_topic_long": "Keep the topic under {limit} characters.",
    "editor.error_category_long": "Keep the category under {limit} characters.",
    "editor.error_description_long": "Keep the description under {limit} characters.",
    "editor.error_level": "The interest level is a whole number from 0 to 100.",
    # --- the Home tab ----------------------------------------------------------------------
    "home.header": "What I remember about you",
    "home.learning_switch": "Learn from my messages",
    "home.private_switch": "Use my private memories in channels",
    "home.learning_on": "Learning is *on*: I note the tech you mention.",
    "home.learning_off": "Learning is *off*: I won't note anything new from your messages.",
    "home.private_in_channels": "Private memories are used in channels too.",
    "home.private_in_dms": "Private memories :lock: are used only in your DMs with me.",
    "home.add": "Add a memory",
    "home.full": ":warning: My memory of you is full ({total} of {cap}).",
    "home.evicted": "To make room I let go of the least recently mentioned: {topics}.",
    "home.count.one": "{count} memory:",
    "home.count.other": "{count} memories:",
    "home.nothing_yet": "Nothing yet. Tell me what you work with or want to learn.",
    "home.expiry": "Notes you haven't mentioned again for {days} days expire.",
    "home.no_expiry": "Notes don't expire.",
    "home.privacy": (
        "*Privacy.* I keep short notes about the tech you mention to me (topic, category, how "
        "interested you seem, a one-line description, and where you said it), stored in this "
        "app's own PostgreSQL database with their text embeddings, under your Slack user ID in "
        "this organisation. Nobody else can see them through me. What you tell me in DMs, "
        "private channels or group DMs is private :lock:: I only use it when I answer you in a "
        "DM, unless you allow it above. {expiry} Erase one with its *Forget* button, "
        "everything with *Forget all* or `/forget`, and stop me learning with the switch "
        "above. If the app is uninstalled, everything it remembers is erased."
    ),
    # --- answers ---------------------------------------------------------------------------
    "answer.thinking": "_Thinking…_",
    "answer.searching": "_Searching the web…_",
    "answer.sources": "*Sources*",
    "answer.ai_note": "AI-generated answer. Check important details.",
    "answer.cut_off": ":warning: My answer was cut off here. Ask me again if you need the rest.",
    "answer.good": "Good answer",
    "answer.bad": "Bad answer",
    "answer.good_label": "Mark this answer as good",
    "answer.bad_label": "Mark this answer as bad",
    "answer.empty_message": (
        "Hi! Ask me anything about tech. I'll remember what you tell me you care about, and you "
        "can see or erase it any time with `/interests` and `/forget`."
    ),
    # Sent to the model (not shown) when a message is only files: it answers in this language.
    "answer.files_prompt": "Please look at the attached file(s) and tell me what matters in them.",
    "answer.files_title": "Files",
    "feedback.thanks_good": "Thanks for the feedback! Glad it helped.",
    "feedback.thanks_bad": (
        "Thanks for the feedback. Ask again with more detail and I'll try to do better."
    ),
    # --- the assistant thread --------------------------------------------------------------
    "assistant.status_thinking": "is thinking…",
    "assistant.status_searching": "is searching the web…",
    "assistant.prompts_title": "Ask me anything about tech. I remember what you care about.",
    "assistant.prompt_remember": "What do you remember about me?",
    "assistant.prompt_topics_title": "Recommend three topics for me",
    "assistant.prompt_topics": (
        "Please recommend three technology topics for me and summarise each briefly."
    ),
    # Suggested prompts, personalised: {topic}s are the person's own memories (they alone see
    # the prompts), {channel} the name of the channel they are viewing, {channel_id} its ID.
    "assistant.prompt_intro_title": "What can you do?",
    "assistant.prompt_intro": (
        "What can you help me with, and how do you use what you remember about me?"
    ),
    "assistant.prompt_trends_title": "What's new in tech?",
    "assistant.prompt_trends": "What are the most interesting things happening in software lately?",
    "assistant.prompt_news_title": "What's new in {topic}?",
    "assistant.prompt_news": "What's new lately in {topic}? Give me the highlights that matter.",
    "assistant.prompt_pair_title": "{topic} with {other}",
    "assistant.prompt_pair": (
        "How could I use {topic} and {other} together? Show me a practical example."
    ),
    "assistant.prompt_next_title": "What should I learn next?",
    "assistant.prompt_next": "I'm into {topics}. What should I learn next, and why?",
    "assistant.prompt_catch_up_title": "Catch me up on #{channel}",
    "assistant.prompt_catch_up": "Catch me up on <#{channel_id}>: what has been discussed lately?",
    "assistant.prompt_channel_topic_title": "{topic} in #{channel}",
    "assistant.prompt_channel_topic": "What's been discussed about {topic} in <#{channel_id}>?",
    # --- attached files --------------------------------------------------------------------
    "files.skipped": (
        "I can read images (PNG, JPEG, GIF, WebP) and PDFs, up to {max_files} files of "
        "{max_file_mb} MB each ({max_total_mb} MB in all); I skipped {names}."
    ),
    "files.failed.one": "I couldn't download {names} from Slack, so I answered without it.",
    "files.failed.other": "I couldn't download {names} from Slack, so I answered without them.",
    "files.and": "{first} and {last}",
    "files.more": "{count} more",
    "files.unnamed": "a file",
    # --- when something fails --------------------------------------------------------------
    "notice.apology": (
        "Sorry, something went wrong while I was working on an answer. Please try again in a "
        "moment."
    ),
    "notice.memory_down": (
        "Sorry, I can't reach my memory right now, so nothing was shown or changed. Please try "
        "again in a minute."
    ),
    "notice.waking_up": (
        "One moment: my memory is waking up (that takes up to half a minute after a quiet spell)."
    ),
    "command.unknown": "I don't handle `{command}`.",
    # --- the tech digest (bot/slack/digest_views.py) ---
    "digest.header.daily": "Your daily tech digest",
    "digest.header.weekly": "Your weekly tech digest",
    "digest.about": "About {topics}, from what you've told me. Only you get this.",
    "digest.fallback": "Your tech digest: {topics}",
    "digest.list_separator": ", ",
    "digest.source": "Source: {links}",
    "digest.less": "Less of this",
    "digest.stop": "Stop digests",
    "digest.cut_off": ":warning: This digest was cut off before the end.",
    "digest.ai_note": "Found with web search and written by AI: check important details at the "
    "source.",
    "digest.why": "You get this because you asked for it. *Less of this* lowers that interest; "
    "*Stop digests* or `/interests digest off` ends them.",
    "digest.write_in": "English",
    "digest.on.daily": "Done. Every day after 09:00 your time ({tz}), I'll send you a DM with a "
    "few items about {topics}, each with its source link.",
    "digest.on.weekly": "Done. Every Monday after 09:00 your time ({tz}), I'll send you a DM with "
    "a few items about {topics}, each with its source link.",
    "digest.topics_unknown": "what you care about in tech",
    "digest.first_soon": "The first one arrives within the hour.",
    "digest.next.daily": "You've had today's already, so the next one comes tomorrow.",
    "digest.next.weekly": "You've had this week's already, so the next one comes next Monday.",
    "digest.warn.nothing": "I don't know your interests yet: tell me what you work with or want "
    "to learn. Until I do, you'll get one short note instead of an empty digest.",
    "digest.warn.learning_off": "Learning is off, so I'm not keeping up with what you care "
    "about: until you switch it on in my Home tab, you'll get one short note instead of digests.",
    "digest.stop_hint": "`/interests digest off` stops them.",
    "digest.off": "Okay, no more digests. `/interests digest daily` or `/interests digest weekly` "
    "starts them again.",
    "digest.usage": "*/interests digest* — a DM with what's new in the tech you care about\n"
    "• `/interests digest daily` — every day after 09:00 your time\n"
    "• `/interests digest weekly` — every Monday after 09:00 your time\n"
    "• `/interests digest off` — no more digests",
    "digest.unavailable": "Digests need web search, which is switched off for this bot.",
    "digest.note.nothing": "Your tech digest is on, but I don't know what you care about yet, so "
    "there's nothing to send. Tell me what you work with or want to learn, and your next digest "
    "will be about it. I won't send empty digests, and I won't remind you again.",
    "digest.note.learning_off": "Your tech digest is on, but learning is off, so I'm not keeping "
    "up with what you care about and won't send digests. Switch *Learn from my messages* on in "
    "my Home tab to get them, or stop them with `/interests digest off`. I won't remind you "
    "again.",
    "digest.less.done": "Okay, less about *{topic}* from now on (interest {before} → {after} of "
    "100).",
    "digest.less.out": "Okay, no more *{topic}* in your digests (its interest is now 0; raise it "
    "again with *Edit* in `/interests`).",
    "digest.less.gone": "That interest isn't in my memory of you any more, so nothing changed.",
    "digest.home.title": "*Tech digest*: a DM with what's new in the tech you care about",
    "digest.home.off": "Off",
    "digest.home.daily": "Daily",
    "digest.home.weekly": "Weekly",
    "digest.home.status.off": "No digests. Choose daily or weekly to get a few items about your "
    "top interests, each with its source link.",
    "digest.home.status.daily": "Every day after 09:00 your time: a DM with a few items about "
    "your top interests, each with its source link.",
    "digest.home.status.weekly": "Every Monday after 09:00 your time: a DM with a few items "
    "about your top interests, each with its source link.",
    # --- /whoknows and being findable ------------------------------------------------------
    "whoknows.help": (
        "*Find colleagues who know about a topic*\n"
        "• `/whoknows <topic>` — e.g. `/whoknows rust`: colleagues who chose to be findable and "
        "talked about it in public channels, the most interested first (only you see the list)\n"
        "• `/interests share on` — let colleagues find you; `/interests share off` — stop\n"
        "When you're findable, others see {what}. Never anything from DMs, private channels or "
        "group DMs."
    ),
    "whoknows.what_others_see": (
        "your name, the topics you've talked about in public channels, and links to those messages"
    ),
    "whoknows.too_long": (
        "That topic is too long ({limit} characters at most). Try a word or two, e.g. "
        "`/whoknows rust`."
    ),
    "whoknows.nobody": (
        "Nobody findable has talked about {topic} in a public channel yet. People are listed "
        "once they turn on `/interests share on`."
    ),
    "whoknows.header": (
        "Colleagues who talked about {topic} in public channels, the most interested first "
        "(only you can see this):"
    ),
    "whoknows.where_said": "where they talked about it",
    "whoknows.in_channel": "in <#{channel}>",
    "whoknows.footer": (
        "Only people who chose to be findable are listed, and never you. "
        "To be findable yourself: `/interests share on`."
    ),
    "whoknows.share_on": (
        ":mag: You're findable now. Colleagues who use `/whoknows <topic>` can see {what}. "
        "Nothing you said in DMs, private channels or group DMs is ever shown. Turn it off any "
        "time with `/interests share off` or in my Home tab."
    ),
    "whoknows.share_off": "You're not findable any more: `/whoknows` doesn't list you.",
    "whoknows.share_status_on": (
        "You're findable: colleagues who use `/whoknows <topic>` can see {what}. "
        "`/interests share off` stops it."
    ),
    "whoknows.share_status_off": (
        "You're not findable (the default). With `/interests share on`, colleagues who use "
        "`/whoknows <topic>` could see {what}."
    ),
    "whoknows.home_switch": "Let colleagues find me with /whoknows",
    "whoknows.home_on": "You're findable: others using `/whoknows` see {what}.",
    "whoknows.home_off": (
        "You're not findable. Switched on, others using `/whoknows` would see {what}."
    ),
    # --- Catch me up (message shortcut) -----------------------------------------------------
    "catchup.header": "*Catching you up* (only you can see this)",
    "catchup.read_part": (
        "The conversation has {total} messages; I read the first one and the latest {kept}."
    ),
    "catchup.surroundings": "That message isn't in a thread, so I read the messages around it.",
    "catchup.empty": "There's nothing there for me to summarise.",
    "catchup.not_in_channel": (
        "I can't read <#{channel}> because I'm not a member of it. Invite me with "
        "`/invite <@{bot}>` in that channel, then try *Catch me up* again."
    ),
    "catchup.channel_not_found": (
        "I can't see that conversation: it's private or a DM I'm not part of. Add me to it "
        "(`/invite <@{bot}>`), then try *Catch me up* again."
    ),
    "catchup.missing_scope": (
        "I'm not allowed to read messages in that kind of conversation yet. Ask a workspace "
        "admin to reinstall the app with its current manifest, which asks for that permission."
    ),
    "catchup.failed": (
        "Sorry, I couldn't write the summary just now. Please try *Catch me up* again in a moment."
    ),
    # --- the receipt under an answer (bot/slack/receipts.py) and the clicks on it -----
    "receipt.tailored_with": "Tailored with: {topics}",
    "receipt.and_more": "and {count} more",
    "receipt.private_used": (
        "Only you can see this: I also used your private memories here: {topics}"
    ),
    "receipt.menu": "Change what I used…",
    "receipt.forget": "Forget this",
    "receipt.not_here": "Don't use this here",
    "receipt.forgotten": "Forgotten: {topic}. I won't use it again anywhere.",
    "receipt.set_aside": (
        "I won't use {topic} in this conversation again. It stays in `/interests` for "
        "everywhere else."
    ),
    "receipt.not_yours": "Only the person who asked can change the memories this answer used.",
    "receipt.gone": "That memory is already gone.",
    # --- thinking steps of a streamed answer (bot/slack/task_cards.py) -------------------
    "tasks.recalled.one": "Remembered {count} thing about you",
    "tasks.recalled.other": "Remembered {count} things about you",
    "tasks.recalled_none": "Nothing remembered yet",
    "tasks.searching": "Searching the web",
    "tasks.searched": "Web search: {query}",
}
