"""A django-q2 cluster killed in the middle of a webhook request: after a restart the delivery is completed.

Real processes on 127.0.0.1 (tests/processes.py): a migrated SQLite portal, a qcluster in its own process group
(so SIGKILL reaches its forked workers too) and a receiver thread in this test process. After the restart,
django-q2 hands out the task the dead worker never acknowledged again (Q_RETRY); by then the delivery's lease,
which never outlasts a task's timeout, has run out, so the new worker takes the delivery and sends it.
"""

import json
import os
import signal
import sys
import threading

from integrations.delivery import INTERRUPTED
from integrations.signing import verify
from tests.integrations.test_delivery import Receiver
from tests.processes import Portal, wait_until

SETUP = """
import json
from integrations.events import emit
from integrations.models import SpecialistApplication, WebhookEndpoint

application = SpecialistApplication.objects.create(
    name="Bauverwaltung", slug="bauverwaltung", destinations="bauamt", read_types=["cases"]
)
endpoint = WebhookEndpoint.objects.create(application=application, url={url!r})
# Committed at once; on commit the delivery task goes into django-q2's queue (the cluster is not running yet).
event = emit("case.submitted", record_type="cases", subject_id=41, subject_ref="MW-2026-00041", destination="bauamt")
print(json.dumps({{"secret": endpoint.secret, "delivery": event.deliveries.get().pk}}))
"""

STATE = """
import json
from integrations.models import WebhookDelivery

delivery = WebhookDelivery.objects.get(pk={pk})
log = [[row.number, row.status_code, row.error] for row in delivery.attempt_log.order_by("number")]
print(json.dumps({{"status": delivery.status, "attempts": delivery.attempts, "log": log}}))
"""


def last_json_line(output):
    return json.loads(output.strip().splitlines()[-1])


def start_cluster(portal, name):
    return portal.start(name, sys.executable, "manage.py", "qcluster", start_new_session=True)


def kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait(timeout=20)


def test_a_delivery_interrupted_by_a_killed_worker_is_completed_after_restart(tmp_path):
    first_request, release = threading.Event(), threading.Event()

    def hold_the_first_request(number):
        if number == 1:
            first_request.set()
            release.wait(90)

    receiver = Receiver().start()
    receiver.on_request = hold_the_first_request
    # A task may run 5 s and is handed out again 8 s after it was taken; the request timeout is longer,
    # so only the kill ends the first attempt.
    portal = Portal(tmp_path, Q_TIMEOUT=5, Q_RETRY=8, INTEGRATIONS_WEBHOOK_TIMEOUT=30)
    try:
        portal.manage("migrate", "--noinput")
        setup = last_json_line(portal.shell(SETUP.format(url=receiver.url)))

        def state():
            return last_json_line(portal.shell(STATE.format(pk=setup["delivery"])))

        cluster = start_cluster(portal, "cluster")
        assert first_request.wait(60), portal.log("cluster")[-3000:]
        kill_group(cluster)
        portal.stop("cluster")
        release.set()

        interrupted = state()
        assert interrupted == {"status": "pending", "attempts": 1, "log": [[1, None, INTERRUPTED]]}

        start_cluster(portal, "cluster-after-restart")
        assert receiver.wait_for(2, timeout=60), portal.log("cluster-after-restart")[-3000:]
        delivered = wait_until(lambda: (s := state())["status"] == "delivered" and s, timeout=30, interval=1)

        assert delivered["attempts"] == 2
        assert delivered["log"] == [[1, None, INTERRUPTED], [2, 200, ""]]
        first, second = receiver.received[:2]
        assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
        assert first["body"] == second["body"]
        assert verify(setup["secret"], second["headers"], second["body"]) is True
        assert len(receiver) == 2
    finally:
        release.set()
        for process, _log in list(portal.processes.values()):
            if process.poll() is None:
                kill_group(process)
        portal.stop_all()
        receiver.stop()
