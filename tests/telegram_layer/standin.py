"""A Telegram Bot API stand-in for the tests and the benchmark, served by the standard library on 127.0.0.1.

It speaks enough of the Bot API for the real python-telegram-bot HTTP stack: getMe, getUpdates (long polling with
Telegram's offset rules: an update is handed out until a later getUpdates confirms it with a higher offset),
sendMessage, answerCallbackQuery, answerInlineQuery, setMyCommands, and setWebhook / deleteWebhook / getWebhookInfo
(the webhook is only recorded in `webhook`, never called: webhook tests POST to the bot themselves; getUpdates while
one is set gets Telegram's 409 Conflict). It checks what Telegram would
refuse (HTML that does not parse, messages over 4096 characters, callback data over 64 bytes, a button press
answered twice), records every call, and keeps the messages users would see in `sent`.

Faults, armed with `fail_next(method, fault)` and used up by the next call(s) of that method (with `chat_id=`, only
by calls for that chat):
  "429"   flood control: HTTP 429 with `retry_after`; nothing is done
  "500"   HTTP 500; nothing is done
  "403"   HTTP 403 "bot was blocked by the user"; nothing is done
  "409"   HTTP 409 Conflict (another getUpdates is running, or a webhook is set); nothing is done
  "reset" the connection is reset (TCP RST) before the request is processed; nothing is done
  "drop"  the request is processed (a message *is* delivered) and the connection is closed without a response
For getUpdates a fault is applied when the response is due, so a long poll that is already waiting gets it.
`revoke()` (or `revoke_token()`) makes every later call (and a long poll already waiting) answer 401, as when the
token is revoked in @BotFather. `handed_out` counts how many times getUpdates returned each update.

`go_silent()` makes the stand-in stop answering: every request, a long poll already waiting included, loses its
connection unanswered and unprocessed.

Nothing here touches the network beyond loopback. Use it as a context manager; `base_url` goes into
TELEGRAM_BASE_URL (or `Settings.base_url`).
"""

from __future__ import annotations

import collections
import html
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DEFAULT_TOKEN = "4242424242:AAH-stand-in-secret-token-do-not-leak"
BOT_ID = 4242424242
BOT_USERNAME = "ftz_facts_test_bot"
FAULTS = ("429", "500", "403", "409", "reset", "drop")
_RAW_STRING_PARAMS = {"text", "caption", "callback_query_id", "inline_query_id", "parse_mode", "url", "query",
                      "next_offset", "description", "short_description", "name"}
_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
                 "blockquote", "tg-emoji"}
_HTML_TOKEN = re.compile(r"<(/?)([a-zA-Z-]+)((?:\s[^>]*)?)>|&(#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);|[^<&]+|[<&]")
_MENTION = re.compile(r"(?<![\w@])@\w{3,32}")
_COMMAND = re.compile(r"^/\w+(?:@\w+)?")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def telegram_html_text(markup: str) -> str:
    """The visible text of Telegram HTML, or ValueError with Telegram's complaint when it would not parse."""
    out, stack = [], []
    for token in _HTML_TOKEN.finditer(markup):
        whole = token.group(0)
        closing, name, _attributes, entity = token.groups()
        if name is not None:
            name = name.lower()
            if name not in _ALLOWED_TAGS:
                raise ValueError(f"Bad Request: can't parse entities: unsupported start tag \"{name}\"")
            if closing:
                if not stack or stack[-1] != name:
                    raise ValueError(f"Bad Request: can't parse entities: unmatched end tag \"{name}\"")
                stack.pop()
            else:
                stack.append(name)
        elif entity is not None:
            out.append(html.unescape(whole))
        elif whole in "<&":
            raise ValueError("Bad Request: can't parse entities: unescaped \"<\" or \"&\"")
        else:
            out.append(whole)
    if stack:
        raise ValueError(f"Bad Request: can't parse entities: can't find end tag corresponding to \"{stack[-1]}\"")
    return "".join(out)


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients would attach: a bot command at the start, @mentions anywhere."""
    found = []
    command = _COMMAND.match(text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))})
    for mention in _MENTION.finditer(text):
        found.append({"type": "mention", "offset": utf16_len(text[:mention.start()]),
                      "length": utf16_len(mention.group(0))})
    return found


@dataclass
class Call:
    """One request the bot made: method, decoded parameters, what the stand-in did, and when."""

    method: str
    params: dict[str, Any]
    outcome: str  # "ok", a fault name, or "400"/"401"/"404"
    at: float
    result: Any = None


@dataclass
class Fault:
    kind: str
    retry_after: int = 1
    chat_id: int | None = None  # only a call for this chat gets it


@dataclass
class _Pending:
    update: dict[str, Any]
    available_at: float


@dataclass
class Stats:
    """Times the benchmark reads: when each update became available, when each message was sent."""

    available_at: dict[int, float] = field(default_factory=dict)
    sent_at: list[tuple[int, float]] = field(default_factory=list)  # (chat id, time)


class ApiError(Exception):
    """A Bot API error other than 400: HTTP `code` with Telegram's `description`."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


class _Server(ThreadingHTTPServer):
    # The bot opens up to 16 connections at once. socketserver's default backlog of 5 made the kernel drop the
    # surplus handshakes, and the client only tried again a second later: a press answered a second late.
    request_queue_size = 128
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    standin: BotAPIStandIn

    def handle_error(self, request: Any, client_address: Any) -> None:  # a client hanging up is not news
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: without this, +40 ms per response
    server: _Server

    def do_POST(self) -> None:
        self.server.standin._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


class BotAPIStandIn:
    """The stand-in server. Thread-safe: the bot talks to it from its thread, the test from another."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, username: str = BOT_USERNAME, bot_id: int = BOT_ID):
        self.token = token
        self.username = username
        self.bot_id = bot_id
        self.calls: list[Call] = []  # recorded when answered (a long poll: when it returns)
        self.poll_offsets: list[int] = []  # the offset of every getUpdates, recorded when it arrives
        self.sent: list[dict[str, Any]] = []  # the bot's messages as users see them
        self.updates: dict[int, dict[str, Any]] = {}  # every update pushed, by update_id
        self.handed_out: collections.Counter[int] = collections.Counter()  # update_id -> getUpdates that returned it
        self.stats = Stats()
        self._lock = threading.Condition()
        self._pending: list[_Pending] = []
        self._faults: dict[str, list[Fault]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._answered_queries: set[str] = set()
        self.webhook: dict[str, Any] = {}  # what the last setWebhook set (url, secret_token, …); {} when none
        self._closed = False
        self._silent = False
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name="bot-api-stand-in",
                                        daemon=True)

    # --- lifecycle ------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> BotAPIStandIn:
        self._thread.start()
        return self

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> BotAPIStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what users do --------------------------------------------------------------------------------------

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "FTZ Facts", "username": self.username}

    @staticmethod
    def user(user_id: int, language_code: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": language_code}

    @staticmethod
    def private_chat(user_id: int) -> dict[str, Any]:
        return {"id": user_id, "type": "private", "first_name": f"User{user_id}"}

    @staticmethod
    def group_chat(chat_id: int, *, supergroup: bool = True) -> dict[str, Any]:
        return {"id": chat_id, "type": "supergroup" if supergroup else "group", "title": f"Group {chat_id}"}

    def message(self, chat: dict[str, Any], sender: dict[str, Any], text: str | None = None,
                **fields: Any) -> dict[str, Any]:
        """A message as Telegram would deliver it; `text` gets the entities a client would add."""
        with self._lock:
            self._chats[chat["id"]] = chat
            message_id = next(self._message_ids.setdefault(chat["id"], itertools.count(1)))
        message: dict[str, Any] = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": sender}
        if text is not None:
            message["text"] = text
            entities = entities_for(text)
            if entities:
                message["entities"] = entities
        message.update(fields)
        return message

    def push(self, **update: Any) -> int:
        """Queue an update (e.g. `push(message={...})`, `push(edited_message={...})`); returns its update_id."""
        with self._lock:
            update_id = next(self._update_ids)
            now = time.perf_counter()
            self.updates[update_id] = {"update_id": update_id, **update}
            self._pending.append(_Pending(self.updates[update_id], now))
            self.stats.available_at[update_id] = now
            self._lock.notify_all()
        return update_id

    def private_text(self, user_id: int, text: str, *, language_code: str = "en", **fields: Any) -> int:
        return self.push(message=self.message(self.private_chat(user_id), self.user(user_id, language_code), text,
                                              **fields))

    def group_text(self, chat_id: int, user_id: int, text: str, *, reply_to: dict[str, Any] | None = None,
                   supergroup: bool = True, **fields: Any) -> int:
        if reply_to is not None:
            fields["reply_to_message"] = reply_to
        return self.push(message=self.message(self.group_chat(chat_id, supergroup=supergroup), self.user(user_id),
                                              text, **fields))

    def press(self, user_id: int, message: dict[str, Any], data: str, *, language_code: str = "en") -> tuple[int, str]:
        """Press a button under `message` (one of `sent`) with callback data `data`; returns (update_id, query id)."""
        query_id = f"q{next(self._query_ids)}"
        update_id = self.push(callback_query={
            "id": query_id, "from": self.user(user_id, language_code), "chat_instance": f"ci{message['chat']['id']}",
            "message": message, "data": data})
        return update_id, query_id

    def inline(self, user_id: int, query: str, *, language_code: str = "en") -> tuple[int, str]:
        """Type `@bot <query>`; returns (update_id, inline query id)."""
        query_id = f"iq{next(self._query_ids)}"
        update_id = self.push(inline_query={"id": query_id, "from": self.user(user_id, language_code),
                                            "query": query, "offset": ""})
        return update_id, query_id

    # --- faults ---------------------------------------------------------------------------------------------

    def go_silent(self) -> None:
        """From now on no request is answered or processed: each connection is closed without a response."""
        with self._lock:
            self._silent = True
            self._lock.notify_all()

    def revoke_token(self) -> None:
        """From now on every request gets 401 Unauthorized (the token was revoked); the same as `revoke()`."""
        self.revoke()

    def fail_next(self, method: str, fault: str, *, times: int = 1, retry_after: int = 1,
                  chat_id: int | None = None) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; use one of {FAULTS}")
        with self._lock:
            self._faults.setdefault(method, []).extend(Fault(fault, retry_after, chat_id) for _ in range(times))

    def _take_fault(self, method: str, params: dict[str, Any] | None = None) -> Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            chat = (params or {}).get("chat_id")
            for index, fault in enumerate(queue):
                if fault.chat_id is None or (chat is not None and int(chat) == fault.chat_id):
                    return queue.pop(index)
            return None

    def revoke(self) -> None:
        """The token is revoked: every call from now on, and a long poll already waiting, gets 401."""
        with self._lock:
            self.token = self.token + "-revoked"
            self._lock.notify_all()

    # --- observing ------------------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = ", ".join(f"{c.method}:{c.outcome}" for c in self.calls[-20:])
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; last calls: {summary}")
                self._lock.wait(min(left, 0.05))

    def wait_for_sent(self, count: int, chat_id: int | None = None, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `count` messages were delivered (to `chat_id`), and return them."""
        def delivered() -> list[dict[str, Any]]:
            return [m for m in self.sent if chat_id is None or m["chat"]["id"] == chat_id]
        self.wait_for(lambda: len(delivered()) >= count, timeout, f"{count} sent message(s)")
        with self._lock:
            return delivered()

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        self.wait_for(lambda: sum(c.method == method for c in self.calls) >= count, timeout, f"{count} {method}")
        return self.calls_to(method)

    def wait_until_handled(self, update_id: int, settle: float = 0.2, timeout: float = 5.0) -> None:
        """Wait until the bot has confirmed `update_id` (a getUpdates with a higher offset), then until no request
        has come for `settle` seconds since then: whatever the bot was going to do about it, it has done.

        The quiet period is deliberate: these tests show that something does *not* happen (no reply to an ignored
        message, no second send), and the stand-in cannot see inside the bot. In-process tests that need the bot to
        be done with an update have a positive signal as well: `RunningBot.wait_until_idle()`."""
        self.wait_for(lambda: any(offset > update_id for offset in self.poll_offsets), timeout,
                      f"update {update_id} to be confirmed")
        confirmed = time.perf_counter()  # the handler may not have made its first call yet: count from here
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                last = max([confirmed, *(c.at for c in self.calls if c.method != "getUpdates")])
            quiet_for = time.perf_counter() - last
            if quiet_for >= settle:
                return
            time.sleep(settle - quiet_for)

    # --- serving --------------------------------------------------------------------------------------------

    def _record(self, method: str, params: dict[str, Any], outcome: str, result: Any = None) -> None:
        with self._lock:
            self.calls.append(Call(method, params, outcome, time.perf_counter(), result))
            self._lock.notify_all()

    @staticmethod
    def _params(handler: _Handler, body: bytes) -> dict[str, Any]:
        content_type = handler.headers.get("Content-Type", "")
        if "json" in content_type:
            return json.loads(body or b"{}")
        params: dict[str, Any] = {}
        for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            if key in _RAW_STRING_PARAMS:
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params

    def _serve(self, handler: _Handler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        route = re.fullmatch(r"/bot(?P<token>[^/]*)/(?P<method>\w+)", urlsplit(handler.path).path)
        if route is None:
            self._respond(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        method = route["method"]
        if self._silent:
            self._hang_up(handler)
            return
        params = self._params(handler, body)
        if method == "getUpdates":
            with self._lock:
                self.poll_offsets.append(int(params.get("offset") or 0))
                self._lock.notify_all()
        if route["token"] != self.token:
            self._record(method, params, "401")
            self._respond(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        fault = None if method == "getUpdates" else self._take_fault(method, params)
        if fault is not None and fault.kind != "drop":
            self._inject(handler, method, params, fault)
            return
        try:
            result = getattr(self, f"_api_{method}", self._api_unknown)(params)
        except ValueError as problem:
            self._record(method, params, "400")
            self._respond(handler, 400, {"ok": False, "error_code": 400, "description": str(problem)})
            return
        except ApiError as problem:
            self._record(method, params, str(problem.code))
            self._respond(handler, problem.code, {"ok": False, "error_code": problem.code,
                                                  "description": problem.description})
            return
        if method == "getUpdates" and self._silent:  # went silent while the long poll waited
            self._hang_up(handler)
            return
        if method == "getUpdates":
            if route["token"] != self.token:  # revoked while the long poll waited
                self._record(method, params, "401")
                self._respond(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            fault = self._take_fault(method)
            if fault is not None and fault.kind != "drop":
                self._inject(handler, method, params, fault)
                return
            with self._lock:
                self.handed_out.update(u["update_id"] for u in result)
        if fault is not None:  # "drop": processed, then the connection is closed without a response
            self._record(method, params, "drop", result)
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        self._record(method, params, "ok", result)
        self._respond(handler, 200, {"ok": True, "result": result})

    @staticmethod
    def _hang_up(handler: _Handler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    def _inject(self, handler: _Handler, method: str, params: dict[str, Any], fault: Fault) -> None:
        self._record(method, params, fault.kind)
        if fault.kind == "reset":
            handler.close_connection = True
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
        elif fault.kind == "429":
            self._respond(handler, 429, {"ok": False, "error_code": 429,
                                         "description": f"Too Many Requests: retry after {fault.retry_after}",
                                         "parameters": {"retry_after": fault.retry_after}})
        elif fault.kind == "403":
            self._respond(handler, 403, {"ok": False, "error_code": 403,
                                         "description": "Forbidden: bot was blocked by the user"})
        elif fault.kind == "409":
            self._respond(handler, 409, {"ok": False, "error_code": 409, "description": "Conflict: terminated by "
                                         "other getUpdates request; make sure that only one bot instance is running"})
        else:
            self._respond(handler, 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})

    @staticmethod
    def _respond(handler: _Handler, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            handler.close_connection = True

    # --- Bot API methods ------------------------------------------------------------------------------------

    def _api_unknown(self, params: dict[str, Any]) -> Any:
        raise ValueError("Not Found: method not found")

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True}

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = {}
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return self._api_deleteWebhook(params)
        if not url.startswith("https://"):
            raise ValueError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ValueError("Bad Request: secret token contains unallowed characters")
        with self._lock:
            self.webhook = dict(params)
            if params.get("drop_pending_updates"):
                self._pending.clear()
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        with self._lock:
            info: dict[str, Any] = {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                                    "pending_update_count": len(self._pending) if self.webhook else 0}
            if self.webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        return info

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
                                "delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        token = self.token
        with self._lock:
            if offset:
                self._pending = [p for p in self._pending if p.update["update_id"] >= offset]
            while True:
                ready = [p.update for p in self._pending if p.update["update_id"] >= offset][:limit]
                left = deadline - time.monotonic()
                if ready or left <= 0 or self._closed or self._silent or self.token != token:
                    return ready
                self._lock.wait(left)

    def _check_markup(self, markup: Any) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    raise ValueError("Bad Request: BUTTON_DATA_INVALID")

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        text = params.get("text", "")
        visible = telegram_html_text(text) if params.get("parse_mode") == "HTML" else text
        if not visible.strip():
            raise ValueError("Bad Request: message text is empty")
        if utf16_len(visible) > 4096:
            raise ValueError("Bad Request: message is too long")
        self._check_markup(params.get("reply_markup"))
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                raise ValueError("Bad Request: chat not found")
            message = {"message_id": next(self._message_ids.setdefault(chat_id, itertools.count(1))),
                       "date": int(time.time()), "chat": chat, "from": self.bot_user, "text": text,
                       "visible_text": visible}
            for key in ("reply_markup", "reply_parameters", "message_thread_id", "link_preview_options"):
                if params.get(key) is not None:
                    message[key] = params[key]
            self.sent.append(message)
            self.stats.sent_at.append((chat_id, time.perf_counter()))
        return {k: v for k, v in message.items() if k != "visible_text"}

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = params["callback_query_id"]
        with self._lock:
            if query_id in self._answered_queries:
                raise ValueError("Bad Request: query is too old and response timeout expired or query ID is invalid")
            self._answered_queries.add(query_id)
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        results = params.get("results") or []
        if len(results) > 50 or any(len(str(r.get("id", "")).encode("utf-8")) > 64 for r in results):
            raise ValueError("Bad Request: RESULT_ID_INVALID")
        for result in results:
            content = result.get("input_message_content") or {}
            text = content.get("message_text", "")
            visible = telegram_html_text(text) if content.get("parse_mode") == "HTML" else text
            if not visible.strip() or utf16_len(visible) > 4096:
                raise ValueError("Bad Request: MESSAGE_TEXT_INVALID")
        return True
