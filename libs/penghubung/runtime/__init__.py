"""Running Penghubung: one service process, the embedded servers, and `penghubung up`."""
