"""Outputs: results folders, figures, reports and workbooks, from the experiments' tables.

``results``, ``comparison``, ``sweep`` and ``optimum`` (each experiment's result
with its folder), ``safety`` (one writer per folder, safe replacement),
``folder_readme`` (what a folder holds, for people), ``plots`` (figures as
functions of tables), ``figure_work`` (drawing in a process forked early),
``labels`` (shared words), ``report`` (one HTML file), ``workbook`` (Excel)
and ``replay`` (run a folder again and compare).
"""
