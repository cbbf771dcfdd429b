#!/usr/bin/env python3
"""Writes the events of one volunteer with a long history: a registration, then LOGS hour logs,
each submitted (30 minutes, 40 a day going back from 2027-02-28, within the daily limit) and
verified (quality 4). The input of BENCHMARKS.md, "One volunteer's long history": its state
is over a Kafka record's 1 MB from about 20,000 logs, and every event looks up one of its logs.

  scripts/long-history-events.py LOGS OUT
"""
import datetime
import json
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    logs = int(sys.argv[1])
    last_day = datetime.date(2027, 2, 28)
    with open(sys.argv[2], "w") as out:
        def write(event):
            out.write(json.dumps(event, separators=(",", ":")) + "\n")

        write({"event_id": "hrs-reg", "type": "volunteer.registered", "schema_version": 1,
               "occurred_at": "2027-03-01T07:00:00+08:00", "volunteer_id": "vol-999999",
               "area_code": "410421", "party_member": False})
        for i in range(logs):
            n = "%07d" % (1000000 + i)
            day = last_day - datetime.timedelta(days=i // 40)
            write({"event_id": "hrs-s-" + n, "type": "hours.submitted", "schema_version": 1,
                   "occurred_at": "2027-03-01T08:00:00+08:00", "volunteer_id": "vol-999999",
                   "log_id": "log-" + n, "activity_id": "activity-000001",
                   "area_code": "410421", "category": "neighborhood_watch",
                   "service_date": day.isoformat(), "minutes": 30})
            write({"event_id": "hrs-v-" + n, "type": "hours.verified", "schema_version": 1,
                   "occurred_at": "2027-03-01T09:00:00+08:00", "volunteer_id": "vol-999999",
                   "log_id": "log-" + n, "verifier_id": "org-410421-01", "quality": 4})


if __name__ == "__main__":
    main()
