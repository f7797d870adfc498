[tcp:request]
label s:unix:Linux:1
