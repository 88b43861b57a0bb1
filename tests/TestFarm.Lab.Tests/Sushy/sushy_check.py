"""Drives one TestFarm lab BMC with python3-sushy as Ironic does: sushy.Sushy(url) with its default root
prefix (/redfish/v1/). Reads one command a line from stdin and answers one 'ok CMD key=value ...' line
(or 'error CMD ...'), so the caller can look at the BMC between steps.

Usage: sushy_check.py BASE_URL USER AUTH   (AUTH: basic | session; password in TESTFARM_LAB_BMC_PASSWORD)
Commands: off | on | pxe-once | insert URL | eject | quit
"""
import os
import sys

import sushy
from sushy import auth

base_url, user, mode = sys.argv[1:4]
password = os.environ["TESTFARM_LAB_BMC_PASSWORD"]
if mode == "basic":
    chosen = auth.BasicAuth(username=user, password=password)
else:
    chosen = auth.SessionAuth(username=user, password=password)
root = sushy.Sushy(base_url, auth=chosen)
systems = root.get_system_collection()
system = root.get_system(systems.members_identities[0])
manager = root.get_manager(root.get_manager_collection().members_identities[0])
media = manager.virtual_media.get_members()[0]
session = chosen.get_session_resource_id() if mode == "session" else "none"
print("ready root=%s systems=%s session=%s power=%s reset_allowed=%s" % (
    root.path, ",".join(sorted(systems.members_identities)), session, system.power_state.value,
    ",".join(sorted(v.value for v in system.get_allowed_reset_system_values()))), flush=True)

for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    command = words[0]
    try:
        if command == "off":
            system.reset_system(sushy.ResetType.FORCE_OFF)
            system.refresh()
            print("ok off power=%s" % system.power_state.value, flush=True)
        elif command == "on":
            system.reset_system(sushy.ResetType.ON)
            system.refresh()
            print("ok on power=%s boot_enabled=%s" % (system.power_state.value, system.boot.enabled.value), flush=True)
        elif command == "pxe-once":
            system.set_system_boot_options(sushy.BootSource.PXE, enabled=sushy.BootSourceOverrideEnabled.ONCE)
            system.refresh()
            print("ok pxe-once target=%s enabled=%s" % (system.boot.target.value, system.boot.enabled.value), flush=True)
        elif command == "insert":
            media.insert_media(words[1])
            media.refresh()
            print("ok insert inserted=%s image=%s" % (media.inserted, media.image), flush=True)
        elif command == "eject":
            media.eject_media()
            media.refresh()
            print("ok eject inserted=%s" % media.inserted, flush=True)
        elif command == "quit":
            chosen.close()
            print("ok quit", flush=True)
            break
        else:
            print("error %s unknown command" % command, flush=True)
    except Exception as e:  # report, keep reading: the caller decides
        print("error %s %s: %s" % (command, type(e).__name__, str(e).replace("\n", " ")), flush=True)
