"""`make bench`: how close the system comes to the machine, each figure beside a raw baseline.

Every figure is measured beside its baseline in the same run, on the same servers, so that
their ratio holds on a shared, noisy machine. The suite reports; it asserts nothing.
"""
