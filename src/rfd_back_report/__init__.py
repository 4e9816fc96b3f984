"""The 2K_RFD_back report: one self-contained HTML file of charts and narrative, drawn from
the published marts only (`make report`)."""
