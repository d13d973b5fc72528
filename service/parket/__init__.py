"""Parket referrals: complete case files for the youth public prosecutor, and the outcomes."""
