# leakage-corpus: expect=MLD602
#!/usr/bin/env python
# coding: utf-8

# In[1]:


import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import MultinomialNB
from sklearn.metrics import accuracy_score, confusion_matrix


# In[2]:


messages = pd.read_csv("spam.csv", encoding="latin-1")
messages = messages[["v1", "v2"]]
messages.columns = ["label", "message"]
messages["label_num"] = messages.label.map({"ham": 0, "spam": 1})


# In[3]:


cv = CountVectorizer(stop_words="english")
bow = cv.fit_transform(messages["message"])


# In[4]:


X_train, X_test, y_train, y_test = train_test_split(bow, messages["label_num"], test_size=0.3, random_state=1)


# In[5]:


nb = MultinomialNB()
nb.fit(X_train, y_train)
pred = nb.predict(X_test)
print(accuracy_score(y_test, pred))
print(confusion_matrix(y_test, pred))
