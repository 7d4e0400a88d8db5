"""Runtime pieces rendered into every generated package so it needs no voxspec at run time."""
