"""Runs moto's server with the changes org-budgets needs for a local cloud.

Usage: python3 moto-launcher.py -H 127.0.0.1 -p PORT  (same arguments as moto.server)

1. moto delivers each new DynamoDB stream record to any Lambda function mapped to the table
   (trying Docker) and then drops the records from the stream, so GetRecords returns
   nothing. Our runtime reads the streams itself, so that delivery is turned off and the
   stream keeps every record with increasing sequence numbers.
2. moto delivers each message sent to a queue that has a Lambda event source mapping itself,
   inside SendMessage: it receives every visible message of the queue (counting a receive for
   each, so that a redrive policy moves them to the dead-letter queue unseen), tries to run the
   function in Docker and makes them visible again. Our runtime polls the queues itself, so the
   mappings are not registered on their queues: messages wait in the queue to be received.
3. moto finds the account of every request's access key by scanning the IAM backends of
   every account and partition it knows (moto.iam.models.get_account_id_from): with a
   thousand member accounts each request costs milliseconds. Access keys are random and never
   reused, so the answer for a key never changes: it is remembered.
4. On Linux the server asks the kernel to stop it when the process that started it dies
   (PR_SET_PDEATHSIG), so a crashed or killed test run leaves no moto behind.

Exit code 3 means moto (with its server extras) is not installed.
"""
import os
import signal
import sys

MISSING_MOTO_EXIT_CODE = 3


def tie_lifetime_to_parent() -> None:
    expected_parent = os.environ.get("ORG_BUDGETS_MOTO_PARENT_PID")
    if not sys.platform.startswith("linux") or not expected_parent:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    if libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, "prctl(PR_SET_PDEATHSIG) failed: " + os.strerror(errno))
    # The parent may have died before prctl took effect.
    if os.getppid() != int(expected_parent):
        sys.exit(1)


def disable_stream_delivery() -> None:
    from moto.awslambda.models import LambdaBackend

    if not hasattr(LambdaBackend, "send_dynamodb_items"):
        raise RuntimeError(
            "moto-launcher: moto.awslambda.models.LambdaBackend.send_dynamodb_items is gone "
            "in this moto version; the patch that keeps DynamoDB streams readable needs updating"
        )
    # Our runtime reads the streams itself; returning None keeps the records in the stream.
    LambdaBackend.send_dynamodb_items = lambda self, *args, **kwargs: None


def disable_queue_delivery() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.sqs.models import Queue, sqs_backends

    if not hasattr(LambdaBackend, "create_event_source_mapping") or "lambda_event_source_mappings" not in (
        Queue.add_message.__code__.co_names
    ):
        raise RuntimeError(
            "moto-launcher: moto.sqs.models.Queue.add_message no longer delivers to "
            "lambda_event_source_mappings in this moto version; the patch that leaves queue "
            "messages to the runtime needs updating"
        )
    create = LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self, spec):  # type: ignore[no-untyped-def]
        mapping = create(self, spec)
        # Queue.add_message delivers to the mappings registered on the queue: unregister it (it
        # stays listed by ListEventSourceMappings).
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            if queue.lambda_event_source_mappings.get(mapping.function_arn) is mapping:
                del queue.lambda_event_source_mappings[mapping.function_arn]
        return mapping

    LambdaBackend.create_event_source_mapping = create_event_source_mapping


def remember_account_lookups() -> None:
    import moto.iam.models as iam_models

    scan = iam_models.get_account_id_from
    known: dict[str, str] = {}

    def get_account_id_from(access_key: str) -> str:
        account_id = known.get(access_key)
        if account_id is None:
            account_id = scan(access_key)
            known[access_key] = account_id
        return account_id

    # moto.core.responses imports the function at each call, so replacing it here is enough.
    iam_models.get_account_id_from = get_account_id_from


def main() -> int:
    tie_lifetime_to_parent()
    try:
        import moto  # noqa: F401
        from moto.server import main as moto_main
    except ImportError as error:
        sys.stderr.write(
            f"moto-launcher: cannot import moto's server ({error}). "
            "Install it with: pip install 'moto[server]'\n"
        )
        return MISSING_MOTO_EXIT_CODE
    disable_stream_delivery()
    disable_queue_delivery()
    remember_account_lookups()
    result = moto_main(sys.argv[1:])
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
