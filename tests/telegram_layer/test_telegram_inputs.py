"""End to end: whatever people send — media, edits, channel posts, joins, empty or huge text, control characters,
right-to-left text, emoji, markup — is answered sensibly or ignored on purpose, and the bot keeps serving."""

from __future__ import annotations

import logging

from harness import RunningBot, answerable
from standin import BotAPIStandIn

from bot.matcher import Matcher

USER, GROUP = 701, -100888
PHOTO = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]


def no_rejected_calls(standin: BotAPIStandIn) -> bool:
    """Telegram would have accepted every request (HTML parsed, lengths within limits)."""
    return all(c.outcome == "ok" for c in standin.calls)


def test_media_in_a_private_chat_gets_a_hint_to_send_text_and_a_caption_counts_as_a_question(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    chat, user = standin.private_chat(USER), standin.user(USER)
    media = [
        {"photo": PHOTO},
        {"sticker": {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
                     "is_animated": False, "is_video": False, "emoji": "😀"}},
        {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}},
        {"location": {"latitude": 43.8, "longitude": 87.6}},
    ]
    for fields in media:
        standin.push(message=standin.message(chat, user, **fields))
    fact, question = answerable(matcher)
    standin.push(message=standin.message(chat, user, photo=PHOTO, caption=question))
    replies = standin.wait_for_sent(len(media) + 1, USER)
    hints = [r for r in replies if "only read text" in r["visible_text"]]
    answers = [r for r in replies if fact.answer_en in r["visible_text"]]
    assert (len(hints), len(answers)) == (len(media), 1)
    assert no_rejected_calls(standin)


def test_edits_channel_posts_and_group_media_are_ignored_on_purpose(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    _, question = answerable(matcher)
    private, user = standin.private_chat(USER), standin.user(USER)
    channel = {"id": -100999, "type": "channel", "title": "News"}
    group = standin.group_chat(GROUP)
    standin.push(edited_message={**standin.message(private, user, question), "edit_date": 1})
    standin.push(channel_post={**standin.message(channel, user, question), "sender_chat": channel})
    standin.push(edited_channel_post={**standin.message(channel, user, question), "edit_date": 1})
    standin.push(message=standin.message(group, user, photo=PHOTO))
    standin.push(message=standin.message(group, user, sticker={
        "file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 1, "height": 1, "is_animated": False,
        "is_video": False}))
    last = standin.private_text(USER, question)  # and the bot still answers
    standin.wait_until_handled(last)
    assert [m["chat"]["id"] for m in standin.sent] == [USER]


def test_the_bot_introduces_itself_when_added_to_a_group_but_not_when_others_join(
        bot: RunningBot, standin: BotAPIStandIn) -> None:
    group, adder = standin.group_chat(GROUP), standin.user(USER)
    standin.push(message=standin.message(group, adder, new_chat_members=[standin.user(USER + 1)]))
    last = standin.push(message=standin.message(group, adder, new_chat_members=[standin.bot_user]))
    standin.wait_until_handled(last)
    [intro] = standin.sent_to(GROUP)
    assert f"@{standin.username}" in intro["visible_text"] and "/ask" in intro["visible_text"]


def test_empty_and_twelve_thousand_character_messages_get_a_short_hint(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher) -> None:
    standin.private_text(USER, "   ")
    standin.private_text(USER + 1, "")
    standin.private_text(USER + 2, "how big " * 1500)
    standin.group_text(GROUP, USER, f"@{standin.username}")
    standin.group_text(GROUP, USER, f"@{standin.username} " + "x" * 12_000)
    replies = standin.wait_for_sent(5)
    assert all(len(r["visible_text"]) < 300 for r in replies)
    assert "too long" in standin.sent_to(USER + 2)[0]["visible_text"]
    assert no_rejected_calls(standin)


def test_control_characters_right_to_left_text_emoji_and_markup_are_handled_and_escaped(
        bot: RunningBot, standin: BotAPIStandIn, matcher: Matcher, all_logs) -> None:
    fact, question = answerable(matcher)
    odd = [
        "\x00\x01\x07\x1b\t" + question + "\x7f\u200b",  # control characters around a real question
        "ما هي مساحة المنطقة الحرة؟",  # Arabic, right to left
        "\u202eevil\u202c " + question,  # a right-to-left override
        "🤔🤔🤔",
        question + " 🏭🇨🇳",
        "<b>bold</b> & <script>alert(1)</script> &amp; </blockquote>",
        "𝕳𝖔𝖜 𝖇𝖎𝖌?",  # mathematical letters, outside the Basic Multilingual Plane
    ]
    for number, text in enumerate(odd):
        standin.private_text(USER + number, text)
    replies = standin.wait_for_sent(len(odd))
    assert sorted(r["chat"]["id"] for r in replies) == [USER + n for n in range(len(odd))]
    assert fact.answer_en in standin.sent_to(USER)[0]["visible_text"]
    assert no_rejected_calls(standin)
    assert not [r for r in all_logs.records if r.levelno >= logging.ERROR]
