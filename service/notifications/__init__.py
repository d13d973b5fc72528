"""Notifications per organisation: what a gemeente, the parket or the cell must look at, in NL and FR."""
