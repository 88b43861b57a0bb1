"""Drives one TestFarm lab BMC with python3-sushy and prints what it saw, one 'key=value' a line.

Usage: sushy_check.py BASE_URL ROOT_PREFIX USER  (password in TESTFARM_LAB_BMC_PASSWORD)
"""
import os
import sys

import sushy
from sushy import auth

base_url, root_prefix, user = sys.argv[1:4]
password = os.environ["TESTFARM_LAB_BMC_PASSWORD"]
session_auth = auth.SessionAuth(username=user, password=password)
root = sushy.Sushy(base_url, root_prefix=root_prefix, auth=session_auth)
print("session_key=%s" % ("yes" if session_auth.get_session_key() else "no"))
print("session_uri=%s" % session_auth.get_session_resource_id())

systems = root.get_system_collection()
print("systems=%s" % ",".join(sorted(systems.members_identities)))
system = root.get_system(systems.members_identities[0])
print("power_before=%s" % system.power_state.value)
print("reset_allowed=%s" % ",".join(sorted(v.value for v in system.get_allowed_reset_system_values())))

system.reset_system(sushy.ResetType.FORCE_OFF)
system.refresh()
print("power_after_off=%s" % system.power_state.value)
system.reset_system(sushy.ResetType.ON)
system.refresh()
print("power_after_on=%s" % system.power_state.value)

system.set_system_boot_options(sushy.BootSource.PXE, enabled=sushy.BootSourceOverrideEnabled.ONCE)
system.refresh()
print("boot_target=%s" % system.boot.target.value)
print("boot_enabled=%s" % system.boot.enabled.value)

manager = root.get_manager(root.get_manager_collection().members_identities[0])
media = manager.virtual_media.get_members()[0]
media.insert_media("http://127.0.0.1:9/images/boot.iso")
media.refresh()
print("media_inserted=%s" % media.inserted)
print("media_image=%s" % media.image)
media.eject_media()
media.refresh()
print("media_after_eject=%s" % media.inserted)
session_auth.close()
print("done=yes")
