"""The inbox: accepting activities (acceptance) and queueing them durably (writer)."""
