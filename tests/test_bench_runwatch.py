"""The bench's run watch (``bench.browser.RunWatch``): a click counts as finished when the
server reports the end of the run that the click's request started, read from the websocket's
frames (Streamlit's own protobuf messages), not from the page's script-state attribute, which
a browser can leave unchanged through a whole run."""

from __future__ import annotations

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.browser import RunWatch


def rerun_request() -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    return msg.SerializeToString()


def run_started() -> bytes:
    msg = ForwardMsg()
    msg.new_session.page_script_hash = "abc"
    return msg.SerializeToString()


def run_finished(status: int = ForwardMsg.FINISHED_SUCCESSFULLY) -> bytes:
    msg = ForwardMsg()
    msg.script_finished = status  # type: ignore[assignment]
    return msg.SerializeToString()


def test_the_run_the_click_requested_finishing_is_what_counts() -> None:
    runs = RunWatch()
    runs.arm()
    runs._received(run_finished())  # the end of a run from before the click
    assert runs.phase == 0
    runs._sent(rerun_request())
    runs._received(run_finished())  # an earlier run, ended after the click's request left
    assert runs.phase == 1
    runs._received(run_started())
    runs._received(run_finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))  # st.rerun(): again
    assert runs.phase == 2
    runs._received(run_started())
    runs._received(run_finished())
    assert runs.phase == 3


def test_a_click_that_sent_nothing_is_not_finished() -> None:
    runs = RunWatch()
    runs.arm()
    runs._received(run_started())
    runs._received(run_finished())
    assert runs.phase == 0
    runs._sent("a text frame")  # not a protobuf message: ignored
    assert runs.phase == 0
