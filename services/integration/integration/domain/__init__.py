"""The pure rules of SOP step 5: who may analyse and implement a request, and in which order."""
