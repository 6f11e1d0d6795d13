// Package system holds the modules that manage the operating system:
// packages (apt, package), services (service, systemd), users and groups,
// reboot, facts (setup), ping, wait_for and wait_for_connection.
package system
