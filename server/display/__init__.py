"""The hall's public big screen (公开, issue 25 item 11): a page opened with a revocable
display link and no login, showing only aggregates."""
